// Raw protocol connections over an embedded shard: the shared ShardConnection suite, then what only
// PGlite's one shared server session needs: the shard's lock held from a connection's first message
// until the server is idle outside a transaction, lock timeouts answered as protocol errors, COPY
// FROM STDIN in the extended protocol refused, and prepared transactions that stop everyone else.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { shardConnectionSuite } from './shard-connection.suite.js';
import {
  decode,
  errorCodeOf,
  extendedQuery,
  lastStatus,
  rowsOf,
  serialize,
  settlesWithin,
  simpleQuery,
  tagsOf,
  types,
  until,
  untilReady,
} from './suite/connection-helpers.js';
import { shardErrorOf, uniqueName } from './suite/suite-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'switchyard-pglite-connection-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PgliteBackend.connect', () => {
  shardConnectionSuite(() => ({ open: (name) => PgliteBackend.open(name, join(root, name)) }));

  describe('one server session shared through the lock', () => {
    let backend: PgliteBackend;
    beforeAll(async () => {
      backend = await PgliteBackend.open('shared', join(root, 'shared'), { lockTimeoutMs: 2000 });
    });
    afterAll(() => backend?.close());

    it('makes a second connection wait while the first is in a transaction, until COMMIT', async () => {
      const table = uniqueName('serial');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      const first = await backend.connect();
      const second = await backend.connect();
      try {
        await simpleQuery(first, `BEGIN; INSERT INTO ${table} VALUES (1)`);
        expect(first.holdsLock).toBe(true);
        second.send(serialize.query(`SELECT count(*) FROM ${table}`));
        const answer = untilReady(second);
        expect(await settlesWithin(answer, 150)).toBe(false);
        // The backend's own statements wait too.
        const query = backend.query(`SELECT count(*) FROM ${table}`);
        expect(await settlesWithin(query, 50)).toBe(false);
        expect(tagsOf(await simpleQuery(first, 'COMMIT'))).toEqual(['COMMIT']);
        // It ran after the commit, so it sees the row.
        expect(rowsOf(decode(await answer))).toEqual([['1']]);
        expect((await query).rows).toEqual([['1']]);
      } finally {
        first.release();
        second.release();
      }
    });

    it('does not block others while a connection is idle between statements', async () => {
      const first = await backend.connect();
      const second = await backend.connect();
      try {
        await simpleQuery(first, 'SELECT 1');
        expect(first.holdsLock).toBe(false);
        expect(rowsOf(await simpleQuery(second, 'SELECT 2'))).toEqual([['2']]);
        expect((await backend.query('SELECT 3')).rows).toEqual([['3']]);
        expect(rowsOf(await simpleQuery(first, 'SELECT 4'))).toEqual([['4']]);
      } finally {
        first.release();
        second.release();
      }
    });

    it('holds the lock through an extended-protocol batch until its Sync', async () => {
      const first = await backend.connect();
      try {
        first.send(
          Buffer.concat([serialize.parse({ text: 'SELECT 5' }), serialize.bind({}), serialize.flush()]),
        );
        expect(types(await first.receive())).toBe('1 2');
        const query = backend.query('SELECT 6');
        expect(await settlesWithin(query, 100)).toBe(false);
        first.send(Buffer.concat([serialize.execute({}), serialize.sync()]));
        expect(rowsOf(decode(await untilReady(first)))).toEqual([['5']]);
        expect((await query).rows).toEqual([['6']]);
      } finally {
        first.release();
      }
    });

    it('answers a lock wait that times out with ErrorResponse 55P03 and ReadyForQuery', async () => {
      const holder = await backend.connect();
      const waiter = await backend.connect({ timeoutMs: 150 });
      try {
        await simpleQuery(holder, 'BEGIN');
        const started = Date.now();
        waiter.send(extendedQuery('SELECT 1'));
        waiter.send(serialize.query('SELECT 2'));
        const messages = decode(await untilReady(waiter, 2));
        expect(Date.now() - started).toBeGreaterThanOrEqual(140);
        expect(messages.map((m) => m.name)).toEqual(['error', 'readyForQuery', 'error', 'readyForQuery']);
        expect(messages[0]?.code).toBe('55P03');
        expect(messages[0]?.message).toMatch(/^shard "shared": waited .* ms for the embedded database/);
        expect(lastStatus(messages)).toBe('I');
        // The holder's transaction is unharmed.
        expect(lastStatus(await simpleQuery(holder, 'SELECT 1'))).toBe('T');
        await simpleQuery(holder, 'COMMIT');
        expect(rowsOf(await simpleQuery(waiter, 'SELECT 7'))).toEqual([['7']]);
      } finally {
        holder.release();
        waiter.release();
      }
    });

    it('lets cancel() stop a wait for the lock with 57014', async () => {
      const holder = await backend.connect();
      const waiter = await backend.connect();
      try {
        await simpleQuery(holder, 'BEGIN');
        waiter.send(serialize.query('SELECT 1'));
        const answer = untilReady(waiter);
        await waiter.cancel();
        expect(errorCodeOf(decode(await answer))).toBe('57014');
      } finally {
        holder.release();
        waiter.release();
      }
    });

    it('rolls back and gives the lock back when a connection is closed inside a transaction', async () => {
      const table = uniqueName('closed_tx');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      const connection = await backend.connect();
      await simpleQuery(connection, `BEGIN; INSERT INTO ${table} VALUES (1)`);
      connection.close();
      expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
    });

    it('closes the connection on Terminate, never the shared server session', async () => {
      const connection = await backend.connect();
      connection.send(Buffer.concat([serialize.query('SELECT 1'), serialize.end()]));
      expect(rowsOf(decode(await untilReady(connection)))).toEqual([['1']]);
      expect((await shardErrorOf(() => connection.receive())).code).toBe('08003');
      expect((await backend.query('SELECT 8')).rows).toEqual([['8']]);
    });

    it('refuses bytes that end inside a message, instead of letting PGlite read past its input', async () => {
      const connection = await backend.connect();
      const query = serialize.query('SELECT 1');
      connection.send(query.subarray(0, query.length - 2));
      const error = await shardErrorOf(() => connection.receive());
      expect(error.code).toBe('08006');
      expect(error.message).toContain('send whole messages only');
      connection.release();
      expect((await backend.query('SELECT 10')).rows).toEqual([['10']]);
    });

    it('shares prepared statements between connections, since they share the server session', async () => {
      const name = uniqueName('shared_stmt');
      const first = await backend.connect();
      const second = await backend.connect();
      try {
        first.send(Buffer.concat([serialize.parse({ name, text: 'SELECT $1::int' }), serialize.sync()]));
        await untilReady(first);
        first.preparedStatements.add(name);
        expect(second.preparedStatements.has(name)).toBe(true);
        expect(second.shared).toBe(true);
      } finally {
        first.release();
        second.release();
      }
    });

    it('refuses COPY FROM STDIN in the extended protocol with 0A000, and goes on', async () => {
      const table = uniqueName('ext_copy');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      const connection = await backend.connect();
      try {
        connection.send(extendedQuery(`COPY ${table} FROM STDIN`));
        const frames = await untilReady(connection);
        expect(types(frames)).toBe('1 2 E Z');
        const messages = decode(frames);
        expect(errorCodeOf(messages)).toBe('0A000');
        expect(messages[2]?.message).toContain('not supported on an embedded (PGlite) shard');
        expect(messages[2]?.hint).toContain('simple Query');
        expect(rowsOf(await simpleQuery(connection, 'SELECT 9'))).toEqual([['9']]);
      } finally {
        connection.release();
      }
    });

    it('runs BEGIN and COPY FROM STDIN sent in one Query', async () => {
      const table = uniqueName('begin_copy');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      const connection = await backend.connect();
      try {
        connection.send(serialize.query(`BEGIN; COPY ${table} FROM STDIN`));
        expect(types(await until(connection, 'G'))).toBe('C G');
        connection.send(Buffer.concat([serialize.copyData(Buffer.from('1\n2\n')), serialize.copyDone()]));
        const done = decode(await untilReady(connection));
        expect(tagsOf(done)).toEqual(['COPY 2']);
        expect(lastStatus(done)).toBe('T');
        await simpleQuery(connection, 'COMMIT');
      } finally {
        connection.release();
      }
      expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['2']]);
    });
  });

  it('makes everyone wait for a transaction a connection prepared, until it is resolved', async () => {
    const backend = await PgliteBackend.open('prepared', join(root, 'prepared'), { lockTimeoutMs: 200 });
    try {
      await backend.exec('CREATE TABLE p (id int)');
      const connection = await backend.connect();
      await simpleQuery(connection, "BEGIN; INSERT INTO p VALUES (1); PREPARE TRANSACTION 'raw-gid-1'");
      expect(connection.transactionStatus).toBe('I');
      const error = await shardErrorOf(() => backend.query('SELECT 1'));
      expect(error.code).toBe('55P03');
      expect(error.message).toContain('raw-gid-1');
      expect(errorCodeOf(await simpleQuery(connection, 'SELECT 1'))).toBe('55P03');
      await backend.commitPrepared('raw-gid-1');
      expect(rowsOf(await simpleQuery(connection, 'SELECT count(*) FROM p'))).toEqual([['1']]);
      connection.release();
    } finally {
      await backend.close();
    }
  });

  it('fails the receive of a connection whose shard closes with 08006', async () => {
    const backend = await PgliteBackend.open('closing', join(root, 'closing'));
    const connection = await backend.connect();
    await simpleQuery(connection, 'BEGIN');
    const pending = connection.receive();
    await backend.close();
    const error = await shardErrorOf(() => pending);
    expect(error.code).toBe('08006');
    expect(error.shard).toBe('closing');
    expect((await shardErrorOf(() => backend.connect())).code).toBe('08003');
  });
});
