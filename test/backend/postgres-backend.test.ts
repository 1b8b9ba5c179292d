// PostgresBackend against real PostgreSQL servers: the shared ShardBackend suite, then what only a
// pooled server backend does: a shard that is down fails fast while others work, broken clients
// are destroyed, cancel requests interrupt running statements, statement timeouts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createShardBackend } from '../../src/backend/create-shard-backend.js';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { shardBackendSuite, shardErrorOf } from './shard-backend.suite.js';

/** Creates database `name` on `server` unless it exists. */
async function ensureDatabase(server: PgServer, name: string): Promise<void> {
  const admin = new pg.Client(server.url());
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

describeWithPostgres('PostgresBackend', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  shardBackendSuite(() => ({
    open: async (name) => {
      await ensureDatabase(server, name);
      return new PostgresBackend(name, { connectionString: server.url(name), poolSize: 4 });
    },
  }));

  it('refuses a shard database that does not order text as the C collation does', async () => {
    const admin = new pg.Client(server.url());
    await admin.connect();
    try {
      await admin.query(
        "CREATE DATABASE icu_ordered TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'",
      );
    } finally {
      await admin.end();
    }
    const opening = createShardBackend('s9', server.url('icu_ordered'));
    await expect(opening).rejects.toMatchObject({ shard: 's9', code: '22023' });
    await expect(opening).rejects.toThrow(/ICU default collation.*LC_COLLATE 'C'/);
    const fine = await createShardBackend('s8', server.url());
    await fine.close();
  });

  describe('PostgreSQL only', () => {
    let backend: PostgresBackend;
    beforeAll(() => {
      backend = new PostgresBackend('pg', {
        connectionString: server.url(),
        poolSize: 2,
        connectTimeoutMs: 2000,
      });
    });
    afterAll(() => backend?.close());

    it("keeps a session's uncommitted rows invisible to other connections", async () => {
      await backend.exec('CREATE TABLE isolated (id int)');
      const session = await backend.session();
      try {
        await session.exec('BEGIN; INSERT INTO isolated VALUES (1)');
        expect((await backend.query('SELECT count(*) FROM isolated')).rows).toEqual([['0']]);
        await session.exec('COMMIT');
        expect((await backend.query('SELECT count(*) FROM isolated')).rows).toEqual([['1']]);
      } finally {
        await session.release();
      }
    });

    it('cancels a running statement on the server when the signal aborts', async () => {
      const session = await backend.session();
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const started = Date.now();
        const error = await shardErrorOf(() =>
          session.query('SELECT pg_sleep(30)', [], { signal: controller.signal }),
        );
        expect(error.code).toBe('57014');
        expect(Date.now() - started).toBeLessThan(10_000);
        // Only the statement was cancelled: the session's connection is still good.
        expect((await session.query('SELECT 1')).rows).toEqual([['1']]);
      } finally {
        await session.release();
      }
    });

    it('applies the statement timeout', async () => {
      const timed = new PostgresBackend('timed', { connectionString: server.url(), statementTimeoutMs: 100 });
      try {
        const error = await shardErrorOf(() => timed.query('SELECT pg_sleep(5)'));
        expect(error.code).toBe('57014');
        expect(error.message).toContain('statement timeout');
      } finally {
        await timed.close();
      }
    });

    it('destroys a client whose connection broke instead of returning it to the pool', async () => {
      const single = new PostgresBackend('single', { connectionString: server.url(), poolSize: 1 });
      try {
        const session = await single.session();
        const { rows } = await session.query('SELECT pg_backend_pid()');
        const pid = rows[0]?.[0];
        await backend.query('SELECT pg_terminate_backend($1::int)', [pid ?? '0']);
        const error = await shardErrorOf(() => session.query('SELECT 1'));
        expect(['57P01', '08006']).toContain(error.code);
        await session.release();
        expect(single.poolStats().total).toBe(0);
        // With a pool of one, this would fail if the broken client had gone back to the pool.
        const { rows: after } = await single.query('SELECT pg_backend_pid()');
        expect(after[0]?.[0]).not.toBe(pid);
      } finally {
        await single.close();
      }
    });

    it('closing ends sessions still held; their next call fails with 08003', async () => {
      const closing = new PostgresBackend('closing', { connectionString: server.url() });
      const session = await closing.session();
      await session.exec('BEGIN');
      await closing.close();
      expect((await shardErrorOf(() => session.query('SELECT 1'))).code).toBe('08003');
      await session.release();
    });
  });

  describe('a shard that is down', () => {
    let down: PgServer;
    beforeAll(async () => {
      down = await startPostgres();
    });
    afterAll(() => down?.stop());

    it('fails within the connect timeout naming the shard and address, while another shard works', async () => {
      const up = new PostgresBackend('s-up', { connectionString: server.url() });
      const gone = new PostgresBackend('s-down', {
        connectionString: `postgres://postgres:not-a-real-password@127.0.0.1:${down.port}/postgres`,
        connectTimeoutMs: 1000,
      });
      try {
        expect((await gone.query('SELECT 1')).rows).toEqual([['1']]);
        down.kill();
        const started = Date.now();
        const error = await shardErrorOf(() => gone.query('SELECT 1'));
        expect(Date.now() - started).toBeLessThan(1500);
        expect(error.code).toMatch(/^08/);
        expect(error.shard).toBe('s-down');
        expect(error.message).toContain(`127.0.0.1:${down.port}/postgres`);
        expect(error.message).not.toContain('not-a-real-password');
        const again = await shardErrorOf(() => gone.query('SELECT 1'));
        expect(again.code).toBe('08001');
        expect(again.message).toContain('check that the server is running');
        expect((await up.query('SELECT 1')).rows).toEqual([['1']]);
        down.start();
        expect((await gone.query('SELECT 2')).rows).toEqual([['2']]);
      } finally {
        await Promise.all([up.close(), gone.close()]);
      }
    });

    it('keeps a prepared transaction through a server crash', async () => {
      const shard = new PostgresBackend('s-crash', { connectionString: down.url(), connectTimeoutMs: 2000 });
      try {
        await shard.exec('CREATE TABLE survived (id int)');
        const session = await shard.session();
        await session.exec('BEGIN; INSERT INTO survived VALUES (1)');
        await session.prepareTransaction('crash-survivor');
        await session.release();
        down.kill();
        // The pool notices its idle connection died (and does not crash the process over it).
        await vi.waitFor(() => expect(shard.poolStats().total).toBe(0));
        down.start();
        expect((await shard.listPrepared('crash-')).map((p) => p.gid)).toEqual(['crash-survivor']);
        await shard.commitPrepared('crash-survivor');
        expect((await shard.query('SELECT id FROM survived')).rows).toEqual([['1']]);
      } finally {
        await shard.close();
      }
    });

    it('fails within the connect timeout when the address does not answer at all', async () => {
      // 10.255.255.1 is a non-routable address: the TCP handshake never completes.
      const blackhole = new PostgresBackend('s-void', {
        connectionString: 'postgres://postgres@10.255.255.1:5432/postgres',
        connectTimeoutMs: 300,
      });
      try {
        const started = Date.now();
        const error = await shardErrorOf(() => blackhole.query('SELECT 1'));
        expect(Date.now() - started).toBeLessThan(3000);
        expect(error.code).toBe('08001');
        expect(error.message).toMatch(/^shard "s-void": could not .*10\.255\.255\.1:5432\/postgres/);
      } finally {
        await blackhole.close();
      }
    });
  });
});
