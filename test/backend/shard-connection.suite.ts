// The behaviour every ShardConnector's raw connections must have, declared once and run against
// PGlite (pglite-connection.test.ts) and PostgreSQL (postgres-connection.test.ts): the protocol as
// a client speaks it, forwarded and answered message for message. Tests share one open shard and
// keep out of each other's way with their own table and statement names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardBackend } from '../../src/backend/shard-backend.js';
import type { ShardConnection, ShardConnector } from '../../src/backend/shard-connection.js';
import {
  decode,
  errorCodeOf,
  extendedQuery,
  lastStatus,
  rowsOf,
  serialize,
  simpleQuery,
  tagsOf,
  types,
  until,
  untilReady,
} from './suite/connection-helpers.js';
import { shardErrorOf, uniqueName } from './suite/suite-helpers.js';

/** A shard that opens raw connections. */
export type ConnectableBackend = ShardBackend & ShardConnector;

/** How the suite gets its shard. */
export interface ShardConnectionFixture {
  open(name: string): Promise<ConnectableBackend>;
}

/** Declares the shared ShardConnection tests; `fixture` is called once the suite's hooks run. */
export function shardConnectionSuite(fixture: () => ShardConnectionFixture): void {
  let backend: ConnectableBackend;
  beforeAll(async () => {
    backend = await fixture().open('connections');
  });
  afterAll(async () => {
    await backend?.close();
  });

  /** Runs `fn` on a new connection that is released afterwards. */
  async function withConnection<T>(fn: (connection: ShardConnection) => Promise<T>): Promise<T> {
    const connection = await backend.connect();
    try {
      return await fn(connection);
    } finally {
      connection.release();
    }
  }

  describe('ShardConnection', () => {
    it('answers a simple Query with RowDescription, DataRow, CommandComplete and ReadyForQuery', async () => {
      await withConnection(async (connection) => {
        expect(connection.transactionStatus).toBe('I');
        connection.send(serialize.query("SELECT 1 AS one, 'x' AS two, NULL AS three; SELECT 2"));
        const frames = await untilReady(connection);
        expect(types(frames)).toBe('T D C T D C Z');
        const messages = decode(frames);
        expect(rowsOf(messages)).toEqual([['1', 'x', null], ['2']]);
        expect(tagsOf(messages)).toEqual(['SELECT 1', 'SELECT 1']);
        expect(lastStatus(messages)).toBe('I');
      });
    });

    it('reports the server parameters a client needs at startup', async () => {
      await withConnection(async (connection) => {
        expect(connection.serverParameters.server_version).toMatch(/^\d+(\.\d+)?/);
        expect(connection.serverParameters.server_encoding).toBe('UTF8');
        expect(connection.serverParameters.client_encoding).toBe('UTF8');
        expect(connection.serverParameters.integer_datetimes).toBe('on');
        expect(connection.serverParameters.standard_conforming_strings).toBe('on');
      });
    });

    it('runs a named statement prepared once for several Binds', async () => {
      const name = uniqueName('stmt');
      await withConnection(async (connection) => {
        connection.send(serialize.parse({ name, text: 'SELECT $1::int * 2 AS doubled' }));
        connection.preparedStatements.add(name);
        for (const value of ['21', '50']) {
          connection.send(serialize.bind({ statement: name, values: [value] }));
          connection.send(serialize.describe({ type: 'P' }));
          connection.send(serialize.execute({}));
          connection.send(serialize.sync());
        }
        const frames = await untilReady(connection, 2);
        expect(types(frames)).toBe('1 2 T D C Z 2 T D C Z');
        expect(rowsOf(decode(frames))).toEqual([['42'], ['100']]);
      });
    });

    it('returns binary results when Bind asks for them', async () => {
      await withConnection(async (connection) => {
        connection.send(
          Buffer.concat([
            serialize.parse({ text: 'SELECT $1::int4 AS n, $2::int8 AS m' }),
            serialize.bind({ values: ['7', '-2'], binary: true }),
            serialize.execute({}),
            serialize.sync(),
          ]),
        );
        const frames = await untilReady(connection);
        expect(types(frames)).toBe('1 2 D C Z');
        const row = Buffer.from(frames[2]!.body);
        // Two columns: int32 length 4 then the value, int32 length 8 then the value.
        expect(row.readInt16BE(0)).toBe(2);
        expect(row.readInt32BE(2)).toBe(4);
        expect(row.readInt32BE(6)).toBe(7);
        expect(row.readInt32BE(10)).toBe(8);
        expect(row.readBigInt64BE(14)).toBe(-2n);
      });
    });

    it('skips to Sync after an error mid-batch and is idle again after it', async () => {
      await withConnection(async (connection) => {
        connection.send(
          Buffer.concat([
            serialize.parse({ text: 'SELECT 1 / g FROM generate_series(0, 0) g' }),
            serialize.bind({}),
            serialize.execute({}),
            serialize.parse({ text: 'SELECT 2' }),
            serialize.bind({}),
            serialize.execute({}),
            serialize.sync(),
          ]),
        );
        const frames = await untilReady(connection);
        expect(types(frames)).toBe('1 2 E Z');
        const messages = decode(frames);
        expect(errorCodeOf(messages)).toBe('22012');
        expect(connection.transactionStatus).toBe('I');
        expect(rowsOf(await simpleQuery(connection, 'SELECT 3'))).toEqual([['3']]);
      });
    });

    it('answers messages sent in several calls before anything is read, in order', async () => {
      await withConnection(async (connection) => {
        connection.send(serialize.parse({ text: 'SELECT $1::text AS echo' }));
        connection.send(serialize.bind({ values: ['first'] }));
        connection.send(serialize.execute({}));
        connection.send(serialize.sync());
        connection.send(extendedQuery('SELECT $1::text', ['second']));
        connection.send(serialize.query("SELECT 'third'"));
        const messages = decode(await untilReady(connection, 3));
        expect(rowsOf(messages)).toEqual([['first'], ['second'], ['third']]);
      });
    });

    it('tracks the transaction status: BEGIN gives T, an error E, ROLLBACK I', async () => {
      await withConnection(async (connection) => {
        expect(lastStatus(await simpleQuery(connection, 'BEGIN'))).toBe('T');
        expect(connection.transactionStatus).toBe('T');
        const failed = await simpleQuery(connection, 'SELECT no_such_column');
        expect(errorCodeOf(failed)).toBe('42703');
        expect(connection.transactionStatus).toBe('E');
        expect(errorCodeOf(await simpleQuery(connection, 'SELECT 1'))).toBe('25P02');
        expect(tagsOf(await simpleQuery(connection, 'ROLLBACK'))).toEqual(['ROLLBACK']);
        expect(connection.transactionStatus).toBe('I');
      });
    });

    it('streams a large result whole, however the shard cuts it', async () => {
      await withConnection(async (connection) => {
        const messages = await simpleQuery(
          connection,
          'SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g',
        );
        const rows = rowsOf(messages);
        expect(rows).toHaveLength(20000);
        expect(rows[19999]?.[0]).toBe('20000');
        expect(tagsOf(messages)).toEqual(['SELECT 20000']);
      });
    });

    it('passes notices through', async () => {
      await withConnection(async (connection) => {
        connection.send(serialize.query("DO $$ BEGIN RAISE NOTICE 'hello from the shard'; END $$"));
        const frames = await untilReady(connection);
        expect(types(frames)).toBe('N C Z');
      });
    });

    describe('COPY', () => {
      it('copies rows in with COPY FROM STDIN and out with COPY TO STDOUT', async () => {
        const table = uniqueName('copied');
        await backend.exec(`CREATE TABLE ${table} (id int, name text)`);
        await withConnection(async (connection) => {
          connection.send(serialize.query(`COPY ${table} FROM STDIN`));
          expect(types(await until(connection, 'G'))).toBe('G');
          // The data comes in several messages, each sent on its own, as a client streams it.
          connection.send(serialize.copyData(Buffer.from('1\tone\n2\t')));
          connection.send(serialize.copyData(Buffer.from('two\n')));
          connection.send(serialize.copyDone());
          const done = decode(await untilReady(connection));
          expect(tagsOf(done)).toEqual(['COPY 2']);
          expect(lastStatus(done)).toBe('I');

          connection.send(serialize.query(`COPY (SELECT * FROM ${table} ORDER BY id) TO STDOUT`));
          const out = await untilReady(connection);
          expect(types(out)).toBe('H d d c C Z');
          const data = decode(out).filter((m) => m.name === 'copyData');
          expect(data.map((m) => m.chunk?.toString())).toEqual(['1\tone\n', '2\ttwo\n']);
        });
        expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['2']]);
      });

      it('keeps COPY FROM STDIN inside a transaction: committed or rolled back with it', async () => {
        const table = uniqueName('copied_tx');
        await backend.exec(`CREATE TABLE ${table} (id int)`);
        await withConnection(async (connection) => {
          for (const [end, value] of [
            ['ROLLBACK', '1'],
            ['COMMIT', '2'],
          ] as const) {
            await simpleQuery(connection, `BEGIN; INSERT INTO ${table} VALUES (0)`);
            connection.send(serialize.query(`COPY ${table} FROM STDIN`));
            await until(connection, 'G');
            connection.send(
              Buffer.concat([serialize.copyData(Buffer.from(`${value}\n`)), serialize.copyDone()]),
            );
            const done = decode(await untilReady(connection));
            expect(tagsOf(done)).toEqual(['COPY 1']);
            expect(lastStatus(done)).toBe('T');
            await simpleQuery(connection, end);
          }
        });
        expect((await backend.query(`SELECT id FROM ${table} ORDER BY id`)).rows).toEqual([['0'], ['2']]);
      });

      it('aborts a COPY FROM STDIN on CopyFail, and on bad data, with the error after the data', async () => {
        const table = uniqueName('copy_fail');
        await backend.exec(`CREATE TABLE ${table} (id int)`);
        await withConnection(async (connection) => {
          connection.send(serialize.query(`COPY ${table} FROM STDIN`));
          await until(connection, 'G');
          connection.send(serialize.copyData(Buffer.from('1\n')));
          connection.send(serialize.copyFail('the client changed its mind'));
          const failed = decode(await untilReady(connection));
          expect(errorCodeOf(failed)).toBe('57014');
          expect(failed.find((m) => m.name === 'error')?.message).toContain('the client changed its mind');
          expect(lastStatus(failed)).toBe('I');

          connection.send(serialize.query(`COPY ${table} FROM STDIN`));
          await until(connection, 'G');
          connection.send(
            Buffer.concat([serialize.copyData(Buffer.from('not a number\n')), serialize.copyDone()]),
          );
          expect(errorCodeOf(decode(await untilReady(connection)))).toBe('22P02');
        });
        expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
      });

      it('runs statements that only mention copy and stdin as they are, once', async () => {
        const table = uniqueName('not_copy');
        await backend.exec(`CREATE TABLE ${table} (note text)`);
        await withConnection(async (connection) => {
          for (const inTransaction of [false, true]) {
            if (inTransaction) await simpleQuery(connection, 'BEGIN');
            const messages = await simpleQuery(
              connection,
              `INSERT INTO ${table} VALUES ('COPY FROM STDIN') RETURNING note`,
            );
            expect(rowsOf(messages)).toEqual([['COPY FROM STDIN']]);
            expect(lastStatus(messages)).toBe(inTransaction ? 'T' : 'I');
            if (inTransaction) await simpleQuery(connection, 'COMMIT');
          }
        });
        expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['2']]);
      });
    });

    describe('release', () => {
      it('hands the connection out again with its prepared statements', async () => {
        const name = uniqueName('kept');
        const first = await backend.connect();
        first.send(Buffer.concat([serialize.parse({ name, text: 'SELECT $1::int + 1' }), serialize.sync()]));
        await untilReady(first);
        first.preparedStatements.add(name);
        first.release();
        const second = await backend.connect();
        try {
          expect(second.preparedStatements.has(name)).toBe(true);
          second.send(
            Buffer.concat([
              serialize.bind({ statement: name, values: ['41'] }),
              serialize.execute({}),
              serialize.sync(),
            ]),
          );
          expect(rowsOf(decode(await untilReady(second)))).toEqual([['42']]);
        } finally {
          second.release();
        }
      });

      it('makes a released connection unusable to its former holder; twice is harmless', async () => {
        const connection = await backend.connect();
        connection.release();
        connection.release();
        connection.close();
        const error = await shardErrorOf(async () => connection.send(serialize.query('SELECT 1')));
        expect(error.code).toBe('08003');
        expect((await shardErrorOf(() => connection.receive())).code).toBe('08003');
      });

      it('rolls back a transaction left open by a connection that is released', async () => {
        const table = uniqueName('abandoned');
        await backend.exec(`CREATE TABLE ${table} (id int)`);
        const connection = await backend.connect();
        await simpleQuery(connection, `BEGIN; INSERT INTO ${table} VALUES (1)`);
        expect(connection.transactionStatus).toBe('T');
        connection.release();
        expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
        await withConnection(async (next) => {
          expect(lastStatus(await simpleQuery(next, 'SELECT 1'))).toBe('I');
        });
      });
    });
  });
}
