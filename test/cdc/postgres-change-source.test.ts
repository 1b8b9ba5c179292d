// What only PostgreSQL shards do: slots that survive a server crash, pausing the replication socket,
// peeking a slot nobody reads for its age, one reader per slot, the privileges capture needs.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { ChangeCapture } from '../../src/cdc/change-capture.js';
import type { ChangeEvent } from '../../src/cdc/change-event.js';
import { consumeChanges } from '../../src/cdc/consume-changes.js';
import { installPostgresCapture } from '../../src/cdc/postgres/install-postgres-capture.js';
import { PostgresChangeSource } from '../../src/cdc/postgres/postgres-change-source.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { ChangeReplica } from './support/change-replica.js';

describeWithPostgres('PostgreSQL change source', () => {
  let server: PgServer;
  let db: PostgresBackend;
  let slots: Map<string, string>;
  const source = (consumer: string, extra: { maxQueuedEvents?: number } = {}) =>
    new PostgresChangeSource({
      shard: 's0',
      shardId: 0,
      consumer,
      connectionString: server.url(),
      db,
      slot: slots.get(consumer)!,
      statusIntervalMs: 50,
      connectTimeoutMs: 2000,
      ...extra,
    });

  beforeAll(async () => {
    server = await startPostgres();
    db = new PostgresBackend('s0', { connectionString: server.url(), connectTimeoutMs: 2000 });
    await db.exec('CREATE TABLE items (id int PRIMARY KEY, note text)');
    slots = await installPostgresCapture(db, ['crash', 'pause', 'peek', 'busy']);
  });

  afterAll(async () => {
    await db?.close();
    server?.stop();
  });

  it('continues without a gap after the server crashes, and sends again a batch the consumer failed to persist', async () => {
    const replica = new ChangeReplica({ items: ['id'] });
    const crash = source('crash');
    const stop = new AbortController();
    let failOnce = true;
    const errors: unknown[] = [];
    const run = consumeChanges({
      source: crash,
      from: null,
      signal: stop.signal,
      retryDelayMs: 50,
      onError: (e) => errors.push(e),
      handle: async (events: readonly ChangeEvent[]) => {
        if (failOnce && events.some((e) => e.new?.id === 5)) {
          failOnce = false;
          throw new Error('could not persist');
        }
        replica.apply(events);
      },
    });
    for (let i = 1; i <= 10; i++) await db.query('INSERT INTO items VALUES ($1, $2)', [i, `n${i}`]);
    await until(() => replica.applied >= 10);
    server.kill();
    await until(() => errors.some((e) => String(e).includes('replication stream')));
    server.start();
    await until(async () => {
      try {
        await db.query('INSERT INTO items VALUES (11, $1)', ['after crash']);
        return true;
      } catch {
        return false;
      }
    });
    await db.exec("UPDATE items SET note = 'x' WHERE id <= 3; DELETE FROM items WHERE id = 10");
    await until(() => replica.applied >= 15);
    stop.abort();
    await run;
    await crash.close();
    expect(replica.applied).toBe(15);
    expect(await replica.verify([db], 'items')).toBe(10);
  });

  it('resumes inside a large transaction when the replication connection is cut', async () => {
    await db.exec('CREATE TABLE wide (id int PRIMARY KEY, body text)');
    const cut = new PostgresChangeSource({
      shard: 's0',
      shardId: 0,
      consumer: 'cut',
      connectionString: server.url(),
      db,
      slot: (await installPostgresCapture(db, ['cut'])).get('cut')!,
      statusIntervalMs: 20,
      maxQueuedEvents: 500,
    });
    // Rows large enough (20 MB in all) that the stream cannot sit whole in socket buffers when it is cut.
    await db.exec("INSERT INTO wide SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g");
    const replica = new ChangeReplica({ wide: ['id'] });
    const stop = new AbortController();
    let terminated = false;
    const errors: unknown[] = [];
    const run = consumeChanges({
      source: cut,
      from: null,
      signal: stop.signal,
      maxBatch: 200,
      retryDelayMs: 20,
      onError: (e) => errors.push(e),
      handle: async (events) => {
        replica.apply(events);
        if (!terminated && replica.applied >= 2000) {
          terminated = true;
          await db.query(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE 'switchyard\\_cut\\_%'",
          );
        }
      },
    });
    await until(() => replica.applied >= 20000);
    stop.abort();
    await run;
    await cut.close();
    expect(errors.some((e) => String(e).includes('replication stream'))).toBe(true);
    expect(replica.applied).toBe(20000);
    expect(await replica.verify([db], 'wide')).toBe(20000);
  });

  it('pauses the socket when the consumer is slow, and loses nothing', async () => {
    const slow = source('pause', { maxQueuedEvents: 50 });
    await db.exec('CREATE TABLE bulk (id int PRIMARY KEY)');
    await db.exec('INSERT INTO bulk SELECT generate_series(1, 3000)');
    const ids: number[] = [];
    for await (const batch of slow.read({ maxBatch: 40 })) {
      for (const e of batch) if (e.table === 'bulk') ids.push(Number(e.new!.id));
      await new Promise((resolve) => setTimeout(resolve, 1));
      await slow.acknowledge(batch.at(-1)!.position);
      if (ids.length === 3000) break;
    }
    expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    await slow.close();
  });

  it('tells the age of the oldest change a slot nobody reads still holds', async () => {
    const idle = source('peek');
    await db.query("INSERT INTO items VALUES (999, 'held')");
    const before = await idle.lag();
    expect(before.seconds).toBeGreaterThan(0);
    expect(before.bytes).toBeGreaterThan(0);
    expect(before.walStatus).toBe('reserved');
    // Once read and acknowledged, nothing is held.
    await db.query("INSERT INTO items VALUES (1000, 'last')");
    for await (const batch of idle.read()) {
      await idle.acknowledge(batch.at(-1)!.position);
      if (batch.some((e) => e.table === 'items' && e.new?.id === 1000)) break;
    }
    await idle.close();
    const after = await idle.lag();
    expect(after.seconds).toBe(0);
    expect(after.bytes).toBeLessThan(before.bytes);
  });

  it('allows one reader per slot', async () => {
    const first = source('busy');
    const iterator = first.read()[Symbol.asyncIterator]();
    const firstBatch = iterator.next();
    await db.query("INSERT INTO items VALUES (100, 'busy')");
    await firstBatch;
    const second = source('busy');
    await expect(second.read()[Symbol.asyncIterator]().next()).rejects.toThrow(
      /is being read by another connection/,
    );
    await first.close();
    await iterator.return?.(undefined);
  });

  it('warns about slots of consumers no longer configured', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message), info: () => {} };
    const capture = await ChangeCapture.start([{ id: 0, name: 's0', primary: server.url(), backend: db }], {
      consumers: ['crash', 'pause', 'peek', 'cut'],
      lagCheckIntervalMs: 0,
      logger: logger as never,
    });
    await capture.close();
    expect(warnings).toEqual([
      `replication slot ${slots.get('busy')} belongs to no configured change consumer and keeps WAL on the shard; if its consumer is gone, drop it: SELECT pg_drop_replication_slot('${slots.get('busy')}')`,
    ]);
  });

  it('says when the server does not run with wal_level = logical', async () => {
    const replica = await startPostgres({ settings: { wal_level: 'replica' } });
    const plain = new PostgresBackend('s9', { connectionString: replica.url() });
    try {
      await expect(installPostgresCapture(plain, ['views'])).rejects.toThrow(
        /wal_level = replica; set wal_level = logical in postgresql.conf/,
      );
    } finally {
      await plain.close();
      replica.stop();
    }
  });

  it('names the privileges it lacks, with the SQL an administrator can run', async () => {
    const admin = new pg.Client(server.url());
    await admin.connect();
    await admin.query('CREATE DATABASE plain');
    await admin.query('CREATE ROLE app LOGIN');
    await admin.query('ALTER DATABASE plain OWNER TO app');
    await admin.end();
    const plain = new PostgresBackend('s1', {
      connectionString: `postgres://app@127.0.0.1:${server.port}/plain`,
    });
    try {
      await expect(installPostgresCapture(plain, ['views'])).rejects.toThrow(
        /only a superuser can create.*CREATE PUBLICATION switchyard_cdc FOR ALL TABLES/s,
      );
      // An administrator installs it; the user still needs REPLICATION for its slot.
      const asAdmin = new PostgresBackend('s1', { connectionString: server.url('plain') });
      await installPostgresCapture(asAdmin, []);
      await asAdmin.close();
      await expect(installPostgresCapture(plain, ['views'])).rejects.toThrow(/ALTER ROLE <user> REPLICATION/);
      // Tables created later get REPLICA IDENTITY FULL from the event trigger.
      await plain.exec('CREATE TABLE later (a int)');
      const { rows } = await plain.query("SELECT relreplident FROM pg_class WHERE relname = 'later'");
      expect(rows).toEqual([['f']]);
    } finally {
      await plain.close();
    }
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
