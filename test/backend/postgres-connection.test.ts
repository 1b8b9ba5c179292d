// Raw protocol connections to real PostgreSQL servers: the shared ShardConnection suite, then what
// only a server connection does: its own pool of idle connections whose session state is reset,
// real cancel requests, broken sockets, connect timeouts, TLS, and every password method.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { freePort, type PgServer, startPostgres } from '../harness/postgres-server.js';
import { shardConnectionSuite } from './shard-connection.suite.js';
import {
  decode,
  errorCodeOf,
  lastStatus,
  rowsOf,
  serialize,
  simpleQuery,
  untilReady,
} from './suite/connection-helpers.js';
import { shardErrorOf } from './suite/suite-helpers.js';

/** Runs `sql` on `server` as the superuser. */
async function admin(server: PgServer, sql: string): Promise<void> {
  const client = new pg.Client(server.url());
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describeWithPostgres('PostgresBackend.connect', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  shardConnectionSuite(() => ({
    open: async (name) => {
      await admin(server, `CREATE DATABASE "${name}"`);
      return new PostgresBackend(name, { connectionString: server.url(name), poolSize: 4 });
    },
  }));

  describe('its own pool', () => {
    let backend: PostgresBackend;
    beforeAll(() => {
      backend = new PostgresBackend('pooled', {
        connectionString: server.url(),
        poolSize: 2,
        idleTimeoutMs: 60_000,
      });
    });
    afterAll(() => backend?.close());

    it('reuses a released connection, with session settings reset but statements kept', async () => {
      const before = backend.connectionStats();
      const first = await backend.connect();
      const pid = rowsOf(await simpleQuery(first, 'SELECT pg_backend_pid()'))[0]?.[0];
      await simpleQuery(
        first,
        "SET search_path = leaked; PREPARE kept AS SELECT 'kept'; LISTEN leaked_channel",
      );
      first.release();
      const second = await backend.connect();
      try {
        expect(rowsOf(await simpleQuery(second, 'SELECT pg_backend_pid()'))[0]?.[0]).toBe(pid);
        expect(rowsOf(await simpleQuery(second, 'SHOW search_path'))).toEqual([['"$user", public']]);
        expect(rowsOf(await simpleQuery(second, 'SELECT count(*) FROM pg_listening_channels()'))).toEqual([
          ['0'],
        ]);
        expect(rowsOf(await simpleQuery(second, 'EXECUTE kept'))).toEqual([['kept']]);
        expect(second.serverParameters.application_name).toBe('switchyard');
      } finally {
        second.release();
      }
      expect(backend.connectionStats().opened - before.opened).toBe(1);
    });

    it('skips the reset with release({ clean: false })', async () => {
      const first = await backend.connect();
      await simpleQuery(first, 'SET search_path = kept_setting');
      first.release({ clean: false });
      const second = await backend.connect();
      try {
        expect(rowsOf(await simpleQuery(second, 'SHOW search_path'))).toEqual([['kept_setting']]);
        await simpleQuery(second, 'RESET search_path');
      } finally {
        second.release();
      }
    });

    it('keeps at most poolSize idle connections and closes connections released mid-transaction', async () => {
      const before = backend.connectionStats();
      const held = await Promise.all([1, 2, 3].map(() => backend.connect()));
      const busy = held[0]!;
      await simpleQuery(busy, 'BEGIN');
      for (const connection of held) connection.release();
      await vi.waitFor(() => expect(backend.connectionStats().idle).toBe(2));
      const after = backend.connectionStats();
      // The one in a transaction was closed; the other two are idle (the pool holds two).
      expect(after.closed - before.closed).toBeGreaterThanOrEqual(1);
      expect(after.opened - after.closed).toBe(2);
    });

    it('closes idle connections after the idle timeout, and all of them when the backend closes', async () => {
      const brief = new PostgresBackend('brief', { connectionString: server.url(), idleTimeoutMs: 100 });
      const connection = await brief.connect();
      connection.release({ clean: false });
      expect(brief.connectionStats().idle).toBe(1);
      await vi.waitFor(() =>
        expect(brief.connectionStats()).toMatchObject({ idle: 0, opened: 1, closed: 1 }),
      );
      const held = await brief.connect();
      const pending = held.receive();
      await brief.close();
      expect((await shardErrorOf(() => pending)).code).toBe('08006');
      expect((await shardErrorOf(() => brief.connect())).code).toBe('08003');
      expect(brief.connectionStats()).toMatchObject({ opened: 2, closed: 2 });
    });

    it('sends a real cancel request: pg_sleep(10) ends with 57014 at once', async () => {
      const connection = await backend.connect();
      try {
        connection.send(serialize.query('SELECT pg_sleep(10)'));
        const answer = untilReady(connection);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        await connection.cancel();
        const messages = decode(await answer);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(errorCodeOf(messages)).toBe('57014');
        expect(lastStatus(messages)).toBe('I');
        expect(rowsOf(await simpleQuery(connection, 'SELECT 1'))).toEqual([['1']]);
      } finally {
        connection.release();
      }
    });

    it('fails receive with 08006 naming the shard when the server ends the connection', async () => {
      const connection = await backend.connect();
      const pid = rowsOf(await simpleQuery(connection, 'SELECT pg_backend_pid()'))[0]?.[0];
      const pending = connection.receive();
      await admin(server, `SELECT pg_terminate_backend(${pid})`);
      // The server says why (FATAL 57P01) before it closes the socket; then the connection is gone.
      expect(errorCodeOf(decode(await pending))).toBe('57P01');
      const error = await shardErrorOf(() => connection.receive());
      expect(error.code).toBe('08006');
      expect(error.shard).toBe('pooled');
      expect(error.message).toContain(`127.0.0.1:${server.port}/postgres`);
      connection.release();
    });

    it('applies the statement timeout of the backend', async () => {
      const timed = new PostgresBackend('timed', { connectionString: server.url(), statementTimeoutMs: 100 });
      try {
        const connection = await timed.connect();
        expect(errorCodeOf(await simpleQuery(connection, 'SELECT pg_sleep(5)'))).toBe('57014');
        connection.release();
      } finally {
        await timed.close();
      }
    });
  });

  describe('reaching the server', () => {
    it('fails with 08001 naming the shard and address when nothing listens, and never shows the password', async () => {
      const port = await freePort();
      const backend = new PostgresBackend('nowhere', {
        connectionString: `postgres://app:secret-pw@127.0.0.1:${port}/app`,
      });
      try {
        const error = await shardErrorOf(() => backend.connect());
        expect(error.code).toBe('08001');
        expect(error.message).toMatch(
          new RegExp(`^shard "nowhere": could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/app`),
        );
        expect(error.message).not.toContain('secret-pw');
      } finally {
        await backend.close();
      }
    });

    it('fails within the connect timeout when the server accepts but never answers', async () => {
      const silent = createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      const backend = new PostgresBackend('silent', {
        connectionString: `postgres://u:pw@127.0.0.1:${port}/db`,
      });
      try {
        const started = Date.now();
        const error = await shardErrorOf(() => backend.connect({ timeoutMs: 300 }));
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
        expect(error.code).toBe('08001');
        expect(error.message).toContain(`127.0.0.1:${port}/db within 300 ms`);
        expect(backend.connectionStats().opened).toBe(0);
      } finally {
        await backend.close();
        silent.close();
      }
    });

    it('fails with 08001 when the address answers in another protocol', async () => {
      const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const { port } = http.address() as AddressInfo;
      const backend = new PostgresBackend('http', { connectionString: `postgres://u@127.0.0.1:${port}/db` });
      try {
        const error = await shardErrorOf(() => backend.connect());
        expect(error.code).toBe('08001');
        expect(error.message).toContain('does not speak the PostgreSQL protocol');
      } finally {
        await backend.close();
        http.close();
      }
    });

    it('fails with 08006 when the server is killed, and connects afresh once it is back', async () => {
      const doomed = await startPostgres();
      const backend = new PostgresBackend('doomed', {
        connectionString: doomed.url(),
        connectTimeoutMs: 2000,
      });
      try {
        const [idle, connection] = await Promise.all([backend.connect(), backend.connect()]);
        idle.release({ clean: false });
        await simpleQuery(connection, 'BEGIN');
        doomed.kill();
        // The server may say goodbye (FATAL) before the socket closes; then the connection is gone.
        const error = await shardErrorOf(async () => {
          for (;;) await connection.receive();
        });
        expect(error.code).toBe('08006');
        expect(error.message).toContain('lost the connection');
        // The idle connection died too, and left the idle list.
        await vi.waitFor(() =>
          expect(backend.connectionStats()).toMatchObject({ opened: 2, closed: 2, idle: 0 }),
        );
        expect((await shardErrorOf(() => backend.connect())).code).toBe('08001');
        doomed.start();
        const fresh = await backend.connect();
        expect(rowsOf(await simpleQuery(fresh, 'SELECT 1'))).toEqual([['1']]);
        fresh.release();
      } finally {
        await backend.close();
        doomed.stop();
      }
    });
  });

  describe('logging in', () => {
    let secured: PgServer;
    const passwords = {
      pw_plain: 'plain pw',
      pw_md5: 'md5 pw',
      pw_scram: 'scram pw',
      pw_prep: 'I\u00ADX pässwörd',
    };
    beforeAll(async () => {
      secured = await startPostgres();
      await admin(
        secured,
        [
          `CREATE ROLE pw_plain LOGIN PASSWORD '${passwords.pw_plain}'`,
          "SET password_encryption = 'md5'",
          `CREATE ROLE pw_md5 LOGIN PASSWORD '${passwords.pw_md5}'`,
          "SET password_encryption = 'scram-sha-256'",
          `CREATE ROLE pw_scram LOGIN PASSWORD '${passwords.pw_scram}'`,
          `CREATE ROLE pw_prep LOGIN PASSWORD '${passwords.pw_prep}'`,
        ].join('; '),
      );
      const hba = join(secured.dataDir, 'pg_hba.conf');
      writeFileSync(
        hba,
        [
          'host all pw_plain 127.0.0.1/32 password',
          'host all pw_md5 127.0.0.1/32 md5',
          'host all pw_scram 127.0.0.1/32 scram-sha-256',
          'host all pw_prep 127.0.0.1/32 scram-sha-256',
          readFileSync(hba, 'utf8'),
        ].join('\n'),
      );
      await admin(secured, 'SELECT pg_reload_conf()');
    });
    afterAll(() => secured?.stop());

    const url = (user: string, password?: string) =>
      `postgres://${user}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${secured.port}/postgres`;

    async function login(user: string, password?: string): Promise<string | undefined> {
      const backend = new PostgresBackend('login', { connectionString: url(user, password) });
      try {
        const connection = await backend.connect();
        const method = rowsOf(await simpleQuery(connection, 'SELECT current_user'))[0]?.[0];
        connection.release();
        return method ?? undefined;
      } finally {
        await backend.close();
      }
    }

    it.each(Object.entries(passwords))('logs in as %s with its password', async (user, password) => {
      expect(await login(user, password)).toBe(user);
    });

    it('normalises a SCRAM password as the server does (SASLprep)', async () => {
      // The soft hyphen maps to nothing, and NFKC composes "a" + combining diaeresis into "ä".
      expect(await login('pw_prep', 'IX pa\u0308sswo\u0308rd')).toBe('pw_prep');
    });

    it.each(['pw_plain', 'pw_md5', 'pw_scram'])(
      'refuses %s with a wrong password: 28P01, password not shown',
      async (user) => {
        const error = await shardErrorOf(() => login(user, 'wrong-secret'));
        expect(error.code).toBe('28P01');
        expect(error.shard).toBe('login');
        expect(error.message).toContain(user);
        expect(error.message).not.toContain('wrong-secret');
      },
    );

    it('says what is missing when the server asks for a password and there is none', async () => {
      const error = await shardErrorOf(() => login('pw_scram'));
      expect(error.code).toBe('28000');
      expect(error.message).toContain("the shard's connection string has none");
    });
  });

  describe('TLS', () => {
    let tlsServer: PgServer;
    let certFile: string;
    beforeAll(async () => {
      tlsServer = await startPostgres();
      certFile = join(tlsServer.dataDir, 'server.crt');
      const keyFile = join(tlsServer.dataDir, 'server.key');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: 'ignore' },
      );
      execFileSync('chmod', ['600', keyFile]);
      execFileSync('chown', ['postgres:postgres', keyFile, certFile]);
      await admin(tlsServer, "ALTER SYSTEM SET ssl = 'on'");
      await admin(tlsServer, 'SELECT pg_reload_conf()');
    });
    afterAll(() => tlsServer?.stop());

    async function sslInUse(connectionString: string): Promise<string | null | undefined> {
      const backend = new PostgresBackend('tls', { connectionString });
      try {
        const connection = await backend.connect();
        const rows = rowsOf(
          await simpleQuery(connection, 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
        );
        connection.release();
        return rows[0]?.[0];
      } finally {
        await backend.close();
      }
    }

    it('encrypts with sslmode=require, and with verify-full against the right root certificate', async () => {
      expect(await sslInUse(`${tlsServer.url()}?sslmode=require`)).toBe('t');
      expect(await sslInUse(`${tlsServer.url()}?sslmode=verify-full&sslrootcert=${certFile}`)).toBe('t');
      expect(await sslInUse(tlsServer.url())).toBe('f');
    });

    it('refuses verify-full without the root certificate, and require against a server without TLS', async () => {
      const untrusted = await shardErrorOf(() => sslInUse(`${tlsServer.url()}?sslmode=verify-full`));
      expect(untrusted.code).toBe('08001');
      expect(untrusted.message).toContain('TLS handshake');
      const plain = await shardErrorOf(() => sslInUse(`${server.url()}?sslmode=require`));
      expect(plain.code).toBe('08001');
      expect(plain.message).toContain('does not accept TLS connections');
    });
  });
});
