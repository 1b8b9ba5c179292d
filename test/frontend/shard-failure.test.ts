// A shard that fails or times out in the middle of a cross-shard read fails the whole statement with
// an error naming the shard: the client never receives a partial result as if it were complete, and
// its session keeps working. Deterministic: one shard's table is locked from a direct connection, so
// Switchyard's statement is known to be waiting on that shard when it is terminated or times out.
import pg from 'pg';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { type Switchyard, startSwitchyard } from './switchyard-harness.js';

describeWithPostgres('a shard failing mid-query (PostgreSQL shards)', () => {
  let server: PgServer;
  let sy: Switchyard;
  let client: pg.Client;
  /** A direct connection to shard s1's database, holding a lock on its tasks table. */
  let blocker: pg.Client;
  let totalTasks: number;

  beforeAll(async () => {
    server = await startPostgres();
    sy = await startSwitchyard({ kind: 'postgres', server, shards: 4 }, { sample: true });
    client = await sy.client();
    totalTasks = Number((await client.query('SELECT count(*) AS n FROM tasks')).rows[0].n);
    const s1 = sy.cluster.shards().find((s) => s.name === 's1');
    blocker = new pg.Client(s1?.primary);
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker?.end();
    await sy?.stop();
    await server?.stop();
  });

  /** Locks s1's tasks until the returned function commits. */
  async function lockShardOne(): Promise<() => Promise<void>> {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    return async () => {
      await blocker.query('COMMIT');
    };
  }

  /** Waits until a backend on s1 waits for the lock, then terminates every such backend. */
  async function terminateWaitersOnShardOne(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const { rows } = await blocker.query(
        `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
      );
      if (rows.length > 0) return rows.length;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no statement ever waited on shard s1');
  }

  it('a shard terminated mid-read fails the statement, naming the shard, and the session goes on', async () => {
    const unlock = await lockShardOne();
    try {
      const reading = client.query('SELECT id, title FROM tasks');
      const outcome = reading.then(
        (r) => ({ rows: r.rowCount }),
        (e: Error & { code?: string }) => ({ error: e }),
      );
      expect(await terminateWaitersOnShardOne()).toBeGreaterThan(0);
      const result = await outcome;
      expect(result).toMatchObject({ error: { code: '57P01' } });
      expect('error' in result && result.error.message).toMatch(/^shard s1: terminating connection/);
    } finally {
      await unlock();
    }
    // The session reconnects to s1 for its next statement and answers in full.
    const again = await client.query('SELECT count(*) AS n FROM tasks');
    expect(Number(again.rows[0].n)).toBe(totalTasks);
  });

  it("a cursor over a cross-shard read gets the shard's error, never a short result", async () => {
    const unlock = await lockShardOne();
    const cursor = client.query(new Cursor('SELECT id FROM tasks ORDER BY id'));
    try {
      const waiting = cursor.read(10);
      const settled = waiting.then(
        (rows) => ({ rows }),
        (e: Error & { code?: string }) => ({ error: e }),
      );
      await terminateWaitersOnShardOne();
      const result = await settled;
      expect(result).toMatchObject({ error: { code: '57P01' } });
      expect('error' in result && result.error.message).toContain('shard s1');
    } finally {
      await unlock();
      await cursor.close().catch(() => {});
    }
    expect(Number((await client.query('SELECT count(*) AS n FROM tasks')).rows[0].n)).toBe(totalTasks);
  });

  it("a shard that exceeds the session's statement_timeout fails the statement with 57014, naming it", async () => {
    const unlock = await lockShardOne();
    try {
      await client.query("SET statement_timeout = '300ms'");
      const error = await client.query('SELECT status, count(*) FROM tasks GROUP BY status').then(
        () => undefined,
        (e: Error & { code?: string }) => e,
      );
      expect(error).toMatchObject({ code: '57014' });
      expect(error?.message).toMatch(/^shard s1: /);
    } finally {
      await unlock();
      await client.query('RESET statement_timeout');
    }
    const groups = await client.query('SELECT status, count(*) AS n FROM tasks GROUP BY status');
    expect(groups.rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(totalTasks);
  });
});
