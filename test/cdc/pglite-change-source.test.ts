// What only embedded shards do: the trigger changelog follows ALTER TABLE with table versions, is
// pruned when every consumer has acknowledged, and polling it leaves the single connection to clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import type { ChangeEvent } from '../../src/cdc/change-event.js';
import { changePosition } from '../../src/cdc/change-position.js';
import { installPgliteCapture } from '../../src/cdc/pglite/install-pglite-capture.js';
import { PgliteChangeSource } from '../../src/cdc/pglite/pglite-change-source.js';

describe('PGlite change source', () => {
  let dir: string;
  let db: PgliteBackend;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-cdc-pglite-'));
    db = await PgliteBackend.open('s0', join(dir, 's0'), { lockTimeoutMs: 2000 });
    await db.exec('CREATE TABLE items (id int PRIMARY KEY, note text, extra text)');
    await installPgliteCapture(db, ['a', 'b', 'poll']);
  });

  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads `a` until `count` events arrived; acknowledges them. */
  async function readAll(source: PgliteChangeSource, count: number): Promise<ChangeEvent[]> {
    const events: ChangeEvent[] = [];
    if (count === 0) return events;
    for await (const batch of source.read({ maxBatch: 7 })) {
      events.push(...batch);
      await source.acknowledge(batch.at(-1)!.position);
      if (events.length >= count) break;
    }
    return events;
  }

  it('reads rows written before an ALTER TABLE with the columns they were written with', async () => {
    await db.exec("INSERT INTO items VALUES (1, 'one', 'x')");
    await db.exec('ALTER TABLE items DROP COLUMN extra');
    await db.exec("INSERT INTO items VALUES (2, 'two')");
    await db.exec('ALTER TABLE items RENAME COLUMN note TO label');
    await db.exec("UPDATE items SET label = 'uno' WHERE id = 1");
    await db.exec('CREATE SCHEMA app');
    await db.exec('ALTER TABLE items SET SCHEMA app');
    await db.exec('ALTER TABLE app.items RENAME TO things');
    await db.exec('ALTER TABLE app.things ALTER COLUMN id TYPE bigint');
    await db.exec('DELETE FROM app.things WHERE id = 2');
    const source = new PgliteChangeSource(db, { shardId: 0, consumer: 'a', pollIntervalMs: 5 });
    const events = await readAll(source, 4);
    expect(events.map((e) => [e.op, e.schema, e.table, e.old, e.new])).toEqual([
      ['insert', 'public', 'items', null, { id: 1, note: 'one', extra: 'x' }],
      ['insert', 'public', 'items', null, { id: 2, note: 'two' }],
      ['update', 'public', 'items', { id: 1, label: 'one' }, { id: 1, label: 'uno' }],
      ['delete', 'app', 'things', { id: 2n, label: 'two' }, null],
    ]);
    await source.close();
  });

  it('prunes rows once every consumer acknowledged them', async () => {
    const count = async () =>
      Number((await db.query('SELECT count(*) FROM switchyard_cdc.changelog')).rows[0]![0]);
    const a = new PgliteChangeSource(db, { shardId: 0, consumer: 'a', pollIntervalMs: 5, pruneBatch: 3 });
    const b = new PgliteChangeSource(db, { shardId: 0, consumer: 'b', pollIntervalMs: 5, pruneBatch: 3 });
    const poll = new PgliteChangeSource(db, { shardId: 0, consumer: 'poll' });
    await db.exec("INSERT INTO app.things SELECT g, 'bulk' FROM generate_series(10, 29) g");
    await readAll(a, 20);
    await a.close();
    // b and poll have not read anything yet: every row stays for them.
    expect(await count()).toBeGreaterThanOrEqual(24);
    const lag = await b.lag();
    expect(lag.events).toBe(24);
    expect(lag.bytes).toBeGreaterThan(0);
    await readAll(b, 24);
    await b.close();
    expect(await count()).toBeGreaterThanOrEqual(24);
    await readAll(poll, 24);
    await poll.close();
    expect(await count()).toBe(0);
    expect((await b.lag()).events).toBe(0);
  });

  it('refuses a consumer that comes back from before what it acknowledged', async () => {
    const a = new PgliteChangeSource(db, { shardId: 0, consumer: 'a' });
    const it = a.read({ from: changePosition(1n) })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/acknowledged up to .* but reads from .*may be pruned/);
    await a.close();
  });

  it('reads transactions whole and in commit order: the one connection runs one transaction at a time', async () => {
    const a = new PgliteChangeSource(db, { shardId: 0, consumer: 'a', pollIntervalMs: 5 });
    const session = await db.session();
    await session.exec('BEGIN');
    await session.query("INSERT INTO app.things VALUES (100, 'first of A')");
    // A statement from elsewhere waits for the session's transaction, not in between its statements.
    const other = db.query("INSERT INTO app.things VALUES (200, 'B')");
    await new Promise((resolve) => setTimeout(resolve, 30));
    await session.query("INSERT INTO app.things VALUES (101, 'second of A')");
    await session.exec('COMMIT');
    await session.release();
    await other;
    const events = await readAll(a, 3);
    expect(events.map((e) => [Number(e.new!.id), e.lastInTransaction])).toEqual([
      [100, false],
      [101, true],
      [200, true],
    ]);
    expect(events[0]!.transaction.id).toBe(events[1]!.transaction.id);
    expect(events[2]!.transaction.id).not.toBe(events[0]!.transaction.id);
    await a.close();
  });

  it('leaves the shard to clients while it polls', async () => {
    const poll = new PgliteChangeSource(db, { shardId: 0, consumer: 'poll', pollIntervalMs: 1 });
    const events: ChangeEvent[] = [];
    const stop = new AbortController();
    const reading = (async () => {
      for await (const batch of poll.read({ signal: stop.signal })) {
        events.push(...batch.filter((e) => Number(e.new!.id) >= 1000));
        await poll.acknowledge(batch.at(-1)!.position);
      }
    })();
    // With a 2 s lock timeout, a reader that held the shard would make these fail with 55P03.
    for (let i = 0; i < 200; i++)
      await db.query('INSERT INTO app.things VALUES ($1, $2)', [1000 + i, 'client']);
    const session = await db.session();
    await session.exec('BEGIN');
    await session.query("INSERT INTO app.things VALUES (5000, 'in a session')");
    await new Promise((resolve) => setTimeout(resolve, 50));
    await session.exec('COMMIT');
    await session.release();
    while (events.length < 201) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    await reading;
    expect(events.map((e) => Number(e.new!.id))).toEqual([
      ...Array.from({ length: 200 }, (_, i) => 1000 + i),
      5000,
    ]);
    await poll.close();
  });

  it("reads values right when a client changed the shared session's output settings", async () => {
    await db.exec(
      'CREATE TABLE styled (id int PRIMARY KEY, d date, f float8, b bytea, iv interval, ts timestamptz)',
    );
    await db.exec(
      "SET DateStyle = 'German'; SET extra_float_digits = 0; SET bytea_output = 'escape'; SET IntervalStyle = 'sql_standard'; SET TimeZone = 'Asia/Kolkata'",
    );
    try {
      await db.exec(
        "INSERT INTO styled VALUES (1, '2024-02-29', 0.1::float8 + 0.2::float8, '\\x00ff', '1 day 02:03:04', '2024-02-29 10:00:00+00')",
      );
    } finally {
      await db.exec(
        'RESET DateStyle; RESET extra_float_digits; RESET bytea_output; RESET IntervalStyle; RESET TimeZone',
      );
    }
    const source = new PgliteChangeSource(db, { shardId: 0, consumer: 'a', pollIntervalMs: 5 });
    let event: ChangeEvent | undefined;
    for await (const batch of source.read()) {
      await source.acknowledge(batch.at(-1)!.position);
      event = batch.find((e) => e.table === 'styled');
      if (event) break;
    }
    await source.close();
    expect(event!.new).toEqual({
      id: 1,
      d: Date.UTC(2024, 1, 29) / 86_400_000 - Date.UTC(2000, 0, 1) / 86_400_000,
      f: 0.1 + 0.2,
      b: Uint8Array.of(0, 255),
      iv: { months: 0, days: 1, micros: 7_384_000_000n },
      ts: BigInt(Date.UTC(2024, 1, 29, 10) - Date.UTC(2000, 0, 1)) * 1000n,
    });
  });
});
