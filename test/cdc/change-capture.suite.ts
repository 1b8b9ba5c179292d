// The change capture suite, run against embedded shards and against real PostgreSQL shards: writes go
// through Switchyard's front end, consumers read every shard's stream, and what they rebuild from the
// events alone must equal the shards' tables.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/cdc/change-event.js';
import { type ChangePosition, changePosition } from '../../src/cdc/change-position.js';
import { tagGlobalTransaction } from '../../src/cdc/global-transaction.js';
import { LagMonitor } from '../../src/cdc/lag-monitor.js';
import { PgNumeric } from '../../src/sql/values/pg-numeric.js';
import {
  type CapturedSwitchyard,
  type Placement,
  startCapturedSwitchyard,
} from './support/captured-switchyard.js';
import { ChangeReplica } from './support/change-replica.js';
import { Followers, markerTableSql } from './support/followers.js';
import { accountsTableSql, runWorkload } from './support/workload.js';

const keys = {
  accounts: ['tenant_id', 'id'],
  notes: ['tenant_id', 'seq'],
  typed: ['tenant_id', 'id'],
  cdc_marks: ['label'],
};

/** Declares the suite; `placement` is called in beforeAll. */
export function changeCaptureSuite(placement: () => Placement): void {
  let sy: CapturedSwitchyard;
  const replicas = { views: new ChangeReplica(keys), shapes: new ChangeReplica(keys) };
  let views: Followers;
  let shapes: Followers;

  beforeAll(async () => {
    sy = await startCapturedSwitchyard(placement(), {
      consumers: ['views', 'shapes', 'idle'],
      tables: {
        accounts: { shardKey: 'tenant_id', keyType: 'int8' },
        notes: { shardKey: 'tenant_id', keyType: 'int8' },
        typed: { shardKey: 'tenant_id', keyType: 'int8' },
      },
    });
    const client = await sy.client();
    await client.query(accountsTableSql);
    for (const shard of sy.cluster.backends()) await shard.exec(markerTableSql);
    views = new Followers(sy.cluster, 'views', replicas.views);
    shapes = new Followers(sy.cluster, 'shapes', replicas.shapes);
  });

  afterAll(async () => {
    await views?.stop();
    await shapes?.stop();
    await sy?.stop();
  });

  it('delivers every committed insert, update and delete exactly once per consumer, in commit order, with old and new rows', async () => {
    const client = await sy.client();
    const applied = (name: 'views' | 'shapes') => replicas[name].appliedTo.get('accounts') ?? 0;
    const before = { views: applied('views'), shapes: applied('shapes') };
    const changed = await runWorkload(client, 6, 150);
    await views.sync();
    await shapes.sync();
    expect(changed).toBeGreaterThan(100);
    for (const name of ['views', 'shapes'] as const) {
      const replica = replicas[name];
      expect(applied(name) - before[name]).toBe(changed);
      expect(replica.duplicates).toBe(0);
      expect(await replica.verify(sy.cluster.backends(), 'accounts')).toBeGreaterThan(0);
    }
    // Raw deliveries, before any deduplication: each event once, positions increasing per shard.
    const last = new Map<string, ChangeEvent>();
    for (const event of views.received) {
      const previous = last.get(event.shard);
      if (previous) expect(event.position > previous.position).toBe(true);
      last.set(event.shard, event);
    }
    const updates = views.received.filter((e) => e.op === 'update' && e.table === 'accounts');
    expect(updates.length).toBeGreaterThan(10);
    expect(updates.every((e) => e.old !== null && Object.keys(e.old).length === 6)).toBe(true);
  });

  it('continues without a gap after the cluster restarts mid-stream, dropping what comes again', async () => {
    const client = await sy.client();
    const accounts = (replica: ChangeReplica) => replica.appliedTo.get('accounts') ?? 0;
    const before = accounts(replicas.views);
    const seen = views.received.length;
    let loadChanged = 0;
    const load = runWorkload(client, 7, 80).then((n) => (loadChanged = n));
    // Make one batch fail after it was applied (a crash before the acknowledgement): it comes again.
    await views.waitFor(() => views.received.slice(seen).some((e) => e.table === 'accounts'));
    views.crashAfterApply = true;
    await views.waitFor(() => replicas.views.duplicates > 0);
    // Stop the consumer part-way through the load, as a process that exits would.
    await views.stop();
    const appliedAtStop = accounts(replicas.views) - before;
    const persisted = replicas.views.checkpoint();
    await load;
    expect(appliedAtStop).toBeLessThan(loadChanged);
    await shapes.stop();
    const shapesPersisted = replicas.shapes.checkpoint();
    await sy.restart();
    const client2 = await sy.client();
    const afterRestart = await runWorkload(client2, 8, 40);
    replicas.views = persisted;
    replicas.shapes = shapesPersisted;
    views = new Followers(sy.cluster, 'views', persisted);
    shapes = new Followers(sy.cluster, 'shapes', shapesPersisted);
    await views.sync();
    await shapes.sync();
    expect(accounts(persisted) - before).toBe(loadChanged + afterRestart);
    expect(await persisted.verify(sy.cluster.backends(), 'accounts')).toBeGreaterThan(0);
    expect(await shapesPersisted.verify(sy.cluster.backends(), 'accounts')).toBeGreaterThan(0);
  });

  it('delivers transactions that span shards (two-phase commit through the front end) once on each shard', async () => {
    const client = await sy.client();
    const applied = (name: 'views' | 'shapes') => replicas[name].appliedTo.get('accounts') ?? 0;
    const before = { views: applied('views'), shapes: applied('shapes') };
    let changed = 0;
    await client.query('BEGIN');
    for (const tenant of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const result = await client.query(
        "INSERT INTO accounts (tenant_id, id, name, balance) VALUES ($1, 900, 'spanning', 1) ON CONFLICT DO NOTHING",
        [tenant],
      );
      changed += result.rowCount ?? 0;
    }
    await client.query('COMMIT');
    // No shard key: every shard, in one distributed transaction.
    changed += (await client.query("UPDATE accounts SET name = 'everyone' WHERE id = 900")).rowCount ?? 0;
    await client.query('BEGIN');
    await client.query("INSERT INTO accounts (tenant_id, id, name) VALUES (1, 901, 'rolled back')");
    await client.query("INSERT INTO accounts (tenant_id, id, name) VALUES (2, 901, 'rolled back')");
    await client.query('ROLLBACK');
    await views.sync();
    await shapes.sync();
    expect(changed).toBe(16);
    const spanning = views.received.filter((e) => e.table === 'accounts' && e.new?.id === 900n);
    expect(new Set(spanning.map((e) => e.shard)).size).toBeGreaterThan(1);
    for (const name of ['views', 'shapes'] as const) {
      expect(applied(name) - before[name]).toBe(changed);
      expect(await replicas[name].verify(sy.cluster.backends(), 'accounts')).toBeGreaterThan(0);
    }
  });

  it('types values by their column type and keeps unknown types as text', async () => {
    const client = await sy.client();
    await client.query("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    await client.query(`CREATE TABLE typed (tenant_id bigint NOT NULL, id int NOT NULL, big bigint, num numeric,
      f8 float8, flag bool, txt text, ch char(3), ts timestamp, tstz timestamptz, d date, iv interval, u uuid,
      j jsonb, b bytea, arr int[], tarr text[], m mood, PRIMARY KEY (tenant_id, id))`);
    await client.query(
      `INSERT INTO typed (tenant_id, id, big, num, f8, flag, txt, ch, ts, tstz, d, iv, u, j, b, arr, tarr, m) VALUES (5, 1, 9223372036854775807, 12345678901234567890.000123, 1.5e300, true,
        E'comma, "quote", (paren)\\nnewline \\\\ back', 'ab', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.5+02',
        '2024-02-29', '1 year 2 mons 3 days 04:05:06.7', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"k": [1, "x"]}',
        '\\x00ff', '{1,NULL,3}', '{"a b","",NULL}', 'happy'),
       (5, 2, NULL, 'NaN', '-Infinity', NULL, '', NULL, 'infinity', '-infinity', NULL, NULL, NULL, 'null', '', '{}', NULL, NULL)`,
    );
    await client.query("UPDATE typed SET num = num * 2, m = 'ok' WHERE tenant_id = 5 AND id = 1");
    await views.sync();
    const events = views.received.filter((e) => e.table === 'typed');
    expect(events.map((e) => e.op)).toEqual(['insert', 'insert', 'update']);
    const row = events[0]!.new!;
    expect(row.big).toBe(9223372036854775807n);
    expect(row.num).toEqual(PgNumeric.parse('12345678901234567890.000123'));
    expect(row.f8).toBe(1.5e300);
    expect(row.flag).toBe(true);
    expect(row.txt).toBe('comma, "quote", (paren)\nnewline \\ back');
    expect(row.ch).toBe('ab ');
    expect(row.tstz).toBe(BigInt(Date.UTC(2024, 1, 29, 21, 59, 59, 500) - Date.UTC(2000, 0, 1)) * 1000n);
    expect(row.u).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(row.b).toEqual(Uint8Array.of(0, 255));
    expect(row.arr).toMatchObject({ elements: [1, null, 3] });
    expect(row.m).toBe('happy');
    expect(events[2]!.old!.m).toBe('happy');
    expect(events[2]!.new!.m).toBe('ok');
    expect(events[1]!.new!.f8).toBe(Number.NEGATIVE_INFINITY);
    expect(events[0]!.columns.find((c) => c.name === 'm')!.typeOid).toBeGreaterThan(16384);
    expect(await replicas.views.verify(sy.cluster.backends(), 'typed')).toBe(2);
  });

  it('picks up new tables and new columns, with whole old rows for tables without a primary key', async () => {
    const client = await sy.client();
    await client.query('CREATE TABLE notes (tenant_id bigint NOT NULL, seq int, body text)');
    await client.query("INSERT INTO notes (tenant_id, seq, body) VALUES (3, 1, 'first'), (3, 2, 'second')");
    await client.query("UPDATE notes SET body = 'changed' WHERE tenant_id = 3 AND seq = 1");
    await client.query('ALTER TABLE notes ADD COLUMN pinned bool');
    await client.query("INSERT INTO notes (tenant_id, seq, body, pinned) VALUES (3, 3, 'third', true)");
    await client.query('UPDATE notes SET pinned = false WHERE tenant_id = 3 AND seq = 2');
    await client.query('DELETE FROM notes WHERE tenant_id = 3 AND seq = 3');
    await views.sync();
    const events = views.received.filter((e) => e.table === 'notes');
    expect(events.map((e) => e.op)).toEqual(['insert', 'insert', 'update', 'insert', 'update', 'delete']);
    expect(events[2]!.old).toEqual({ tenant_id: 3n, seq: 1, body: 'first' });
    expect(events[3]!.new).toEqual({ tenant_id: 3n, seq: 3, body: 'third', pinned: true });
    expect(events[4]!.old).toEqual({ tenant_id: 3n, seq: 2, body: 'second', pinned: null });
    expect(events[5]!.old).toEqual({ tenant_id: 3n, seq: 3, body: 'third', pinned: true });
    expect(await replicas.views.verify(sy.cluster.backends(), 'notes')).toBe(2);
  });

  it('delivers TRUNCATE as one event per shard', async () => {
    const client = await sy.client();
    const before = views.received.length;
    await client.query('TRUNCATE notes');
    await views.sync();
    const truncates = views.received.slice(before).filter((e) => e.op === 'truncate');
    expect(truncates.map((e) => e.shard).sort()).toEqual(
      sy.cluster
        .backends()
        .map((b) => b.shard)
        .sort(),
    );
    expect(truncates.every((e) => e.table === 'notes' && e.old === null && e.new === null)).toBe(true);
    expect(await replicas.views.verify(sy.cluster.backends(), 'notes')).toBe(0);
  });

  it('carries the global transaction id of a tagged two-phase transaction', async () => {
    const shard = sy.cluster.backends()[0]!;
    const session = await shard.session();
    await session.exec('BEGIN');
    await tagGlobalTransaction(session, 'sy-test-1');
    await session.query("INSERT INTO cdc_marks VALUES ('tagged-1'), ('tagged-2')");
    await session.prepareTransaction('sy-test-1:s0');
    await session.release();
    await shard.commitPrepared('sy-test-1:s0');
    await views.sync();
    const tagged = views.received.filter((e) => String(e.new?.label).startsWith('tagged-'));
    expect(tagged.map((e) => [e.transaction.globalId, e.lastInTransaction])).toEqual([
      ['sy-test-1', false],
      ['sy-test-1', true],
    ]);
    const untagged = views.received.filter((e) => e.table === 'cdc_marks' && e.new?.label !== 'tagged-1');
    expect(untagged.some((e) => e.transaction.globalId === null)).toBe(true);
    await expect(tagGlobalTransaction(shard, "x'; drop table accounts; --")).rejects.toThrow(
      /invalid global transaction id/,
    );
  });

  it('gives every shard part of a transaction committed through Switchyard the same global id', async () => {
    const client = await sy.client();
    // Two tenants on different shards.
    const shardOf = async (tenant: number) => {
      for (const b of sy.cluster.backends()) {
        if ((await b.query('SELECT 1 FROM accounts WHERE tenant_id = $1', [tenant])).rows.length > 0)
          return b.shard;
      }
      return undefined;
    };
    await client.query("INSERT INTO accounts (tenant_id, id, name) VALUES (9001, 1, 'g'), (9002, 1, 'g')");
    let other = 9002;
    while ((await shardOf(other)) === (await shardOf(9001))) {
      other++;
      await client.query("INSERT INTO accounts (tenant_id, id, name) VALUES ($1, 1, 'g')", [other]);
    }
    await client.query('BEGIN');
    await client.query("UPDATE accounts SET name = 'global' WHERE tenant_id = 9001 AND id = 1");
    await client.query("UPDATE accounts SET name = 'global' WHERE tenant_id = $1 AND id = 1", [other]);
    await client.query('COMMIT');
    await views.sync();
    const parts = views.received.filter((e) => e.table === 'accounts' && e.new?.name === 'global');
    expect(parts.map((e) => e.shard).sort()).toEqual([await shardOf(9001), await shardOf(other)].sort());
    const ids = new Set(parts.map((e) => e.transaction.globalId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^sy_/);
  });

  it('reports a consumer that falls behind, in bytes and seconds', async () => {
    // `idle` is registered but never reads: everything since start-up waits for it.
    const source = sy.cluster.changes.source('s0', 'idle');
    await sy.cluster.backend('s0').query("INSERT INTO cdc_marks VALUES ('lagging')");
    const lag = await source.lag();
    expect(lag).toMatchObject({ shard: 's0', consumer: 'idle' });
    expect(lag.bytes).toBeGreaterThan(0);
    expect(lag.seconds).toBeGreaterThan(0);
    const monitor = new LagMonitor({ bytes: 1, seconds: 3600 });
    const { transitions } = monitor.check([lag]);
    expect(transitions[0]?.message).toMatch(/idle on shard s0 is far behind/);
    const reports = await sy.cluster.changes.checkLag();
    expect(reports.find((r) => r.consumer === 'idle' && r.shard === 's0')!.bytes).toBeGreaterThan(0);
    expect(reports.find((r) => r.consumer === 'views' && r.shard === 's0')!.behind).toBe(false);
  });

  it('refuses bad positions, unknown consumers and acknowledgements of undelivered events', async () => {
    const source = sy.cluster.changes.source('s1', 'idle');
    await expect(source.acknowledge(changePosition(1n) as ChangePosition)).rejects.toThrow(
      /has delivered only up to nothing/,
    );
    const far = source.read({ from: changePosition((1n << 62n) + 5n) })[Symbol.asyncIterator]();
    await expect(far.next()).rejects.toThrow(/beyond anything this shard has written/);
    const bad = source.read({ from: 'yesterday' as ChangePosition })[Symbol.asyncIterator]();
    await expect(bad.next()).rejects.toThrow(/not a change position/);
    expect(() => sy.cluster.changes.source('s1', 'nobody')).toThrow(
      /not configured; add it to cdc.consumers/,
    );
    expect(() => sy.cluster.changes.source('s9', 'views')).toThrow(/shard s9 is not captured/);
    const busy = sy.cluster.changes.source('s0', 'views').read()[Symbol.asyncIterator]();
    await expect(busy.next()).rejects.toThrow(/already reading this shard/);
  });
}
