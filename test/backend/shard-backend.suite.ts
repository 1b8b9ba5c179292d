// The behaviour every ShardBackend must have, declared once and run against each implementation
// (pglite-backend.test.ts, postgres-backend.test.ts). Tests share one open shard and keep out of
// each other's way with their own table names and gid prefixes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShardBackend, ShardSession } from '../../src/backend/shard-backend.js';
import { ShardError } from '../../src/backend/shard-error.js';

/** How the suite gets backends. */
export interface ShardBackendFixture {
  /** Opens shard `name`, empty the first time; opening the same name again finds the same data. */
  open(name: string): Promise<ShardBackend>;
}

let unique = 0;
/** A name no other test of this process uses. */
export function uniqueName(prefix: string): string {
  unique += 1;
  return `${prefix}_${process.pid}_${unique}`;
}

/** Runs `fn` and returns the ShardError it rejects with (failing the test if it does not). */
export async function shardErrorOf(fn: () => Promise<unknown>): Promise<ShardError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ShardError);
    return error as ShardError;
  }
  throw new Error('expected a ShardError, but the call succeeded');
}

async function withSession<T>(backend: ShardBackend, fn: (session: ShardSession) => Promise<T>): Promise<T> {
  const session = await backend.session();
  try {
    return await fn(session);
  } finally {
    await session.release();
  }
}

/** Declares the shared ShardBackend tests; `fixture` is called once the suite's hooks run. */
export function shardBackendSuite(fixture: () => ShardBackendFixture): void {
  let backend: ShardBackend;
  const shard = 'suite';

  beforeAll(async () => {
    backend = await fixture().open(shard);
  });
  afterAll(async () => {
    await backend?.close();
  });

  describe('results', () => {
    it('returns every value as the server prints it, never converted', async () => {
      const params = [
        '9007199254740993',
        '123.4500',
        '2024-03-01 12:34:56.789+02',
        true,
        '{1,2,NULL}',
        null,
        '{"a": [1, 2.50]}',
        '{"b": 1, "a": 2}',
        new Uint8Array([1, 2, 255]),
        41,
        2n ** 62n,
      ];
      const result = await withSession(backend, async (session) => {
        await session.exec("SET TIME ZONE 'UTC'");
        return session.query(
          `SELECT $1::int8 AS big, $2::numeric AS num, $3::timestamptz AS ts, $4::bool AS flag,
                  $5::int[] AS arr, $6::text AS nothing, $7::json AS j, $8::jsonb AS jb, $9::bytea AS bytes,
                  $10::int4 + 1 AS answer, $11::int8 AS huge, 1.10::numeric(10,2) AS money_like,
                  'NaN'::float8 AS nan, 0.1::float8 + 0.2::float8 AS sum, date '2024-02-29' AS day`,
          params,
        );
      });
      expect(result.command).toBe('SELECT');
      expect(result.rowCount).toBe(1);
      expect(result.rows).toEqual([
        [
          '9007199254740993',
          '123.4500',
          '2024-03-01 10:34:56.789+00',
          't',
          '{1,2,NULL}',
          null,
          '{"a": [1, 2.50]}',
          '{"a": 2, "b": 1}',
          '\\x0102ff',
          '42',
          '4611686018427387904',
          '1.10',
          'NaN',
          '0.30000000000000004',
          '2024-02-29',
        ],
      ]);
      expect(result.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
        ['big', 20],
        ['num', 1700],
        ['ts', 1184],
        ['flag', 16],
        ['arr', 1007],
        ['nothing', 25],
        ['j', 114],
        ['jb', 3802],
        ['bytes', 17],
        ['answer', 23],
        ['huge', 20],
        ['money_like', 1700],
        ['nan', 701],
        ['sum', 701],
        ['day', 1082],
      ]);
      // RowDescription is kept whole: the numeric(10,2) typmod is (10 << 16 | 2) + 4.
      expect(result.fields[11]).toMatchObject({ dataTypeSize: -1, dataTypeModifier: (10 << 16) + 2 + 4 });
    });

    it('describes table columns with their table and column numbers', async () => {
      const table = uniqueName('described');
      await backend.exec(`CREATE TABLE ${table} (id int8 PRIMARY KEY, name varchar(20))`);
      const { fields } = await backend.query(`SELECT name, id FROM ${table}`);
      const { rows } = await backend.query('SELECT $1::regclass::oid', [table]);
      const tableID = Number(rows[0]?.[0]);
      expect(fields).toEqual([
        { name: 'name', dataTypeID: 1043, tableID, columnID: 2, dataTypeSize: -1, dataTypeModifier: 24 },
        { name: 'id', dataTypeID: 20, tableID, columnID: 1, dataTypeSize: 8, dataTypeModifier: -1 },
      ]);
    });

    it('reports the full command tag and its row count', async () => {
      const table = uniqueName('tags');
      const created = await backend.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
      expect([created.command, created.rowCount]).toEqual(['CREATE TABLE', null]);
      const inserted = await backend.query(`INSERT INTO ${table} SELECT g, 'x' FROM generate_series(1, 3) g`);
      expect([inserted.command, inserted.rowCount, inserted.rows]).toEqual(['INSERT', 3, []]);
      const returning = await backend.query(`UPDATE ${table} SET v = $1 WHERE id >= $2 RETURNING id`, [
        'y',
        2,
      ]);
      expect([returning.command, returning.rowCount, returning.rows]).toEqual(['UPDATE', 2, [['2'], ['3']]]);
      const deleted = await backend.query(`DELETE FROM ${table} WHERE id = 1`);
      expect([deleted.command, deleted.rowCount]).toEqual(['DELETE', 1]);
    });

    it('exec runs a string of statements and returns one result per statement', async () => {
      const table = uniqueName('multi');
      const results = await backend.exec(
        `CREATE TABLE ${table} (id int); INSERT INTO ${table} VALUES (1), (2); SELECT id FROM ${table} ORDER BY id; DROP TABLE ${table}`,
      );
      expect(results.map((r) => [r.command, r.rowCount, r.rows])).toEqual([
        ['CREATE TABLE', null, []],
        ['INSERT', 2, []],
        ['SELECT', 2, [['1'], ['2']]],
        ['DROP TABLE', null, []],
      ]);
    });

    it('exec of a failing string undoes the statements before the failure (one implicit transaction)', async () => {
      const table = uniqueName('implicit');
      const error = await shardErrorOf(() => backend.exec(`CREATE TABLE ${table} (id int); SELECT 1/0`));
      expect(error.code).toBe('22012');
      const { rows } = await backend.query('SELECT to_regclass($1) IS NULL', [table]);
      expect(rows).toEqual([['t']]);
    });

    it('query runs exactly one statement (extended protocol)', async () => {
      const error = await shardErrorOf(() => backend.query('SELECT 1; SELECT 2'));
      expect(error.code).toBe('42601');
    });
  });

  describe('errors', () => {
    it('keep the SQLSTATE and every server field, name the shard, and never show parameters', async () => {
      const table = uniqueName('errs');
      await backend.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, secret text)`);
      await backend.query(`INSERT INTO ${table} VALUES (1, 'a')`);
      const error = await shardErrorOf(() =>
        backend.query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'hunter2-parameter']),
      );
      expect(error).toMatchObject({
        name: 'ShardError',
        shard,
        code: '23505',
        severity: 'ERROR',
        schema: 'public',
        table,
        constraint: `${table}_pkey`,
        detail: 'Key (id)=(1) already exists.',
        routine: '_bt_check_unique',
        serverMessage: `duplicate key value violates unique constraint "${table}_pkey"`,
      });
      expect(error.message).toBe(
        `shard "${shard}": duplicate key value violates unique constraint "${table}_pkey"`,
      );
      expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain('hunter2');
    });

    it('keep the position of a syntax error', async () => {
      const error = await shardErrorOf(() => backend.query('SELECT * FORM nowhere'));
      expect(error).toMatchObject({ code: '42601', position: '10', shard });
    });

    it('leave the backend usable', async () => {
      await shardErrorOf(() => backend.query('SELECT 1/0'));
      expect((await backend.query('SELECT 1')).rows).toEqual([['1']]);
    });
  });

  describe('stream', () => {
    it('yields a large result in batches no bigger than asked', async () => {
      let rows = 0;
      let batches = 0;
      let largest = 0;
      let firstFields: unknown;
      let last: unknown;
      for await (const batch of backend.stream(
        'SELECT g, $1::text FROM generate_series(1, 100000) g',
        ['x'],
        {
          batchSize: 1000,
        },
      )) {
        firstFields ??= batch.fields;
        expect(batch.fields).toBe(firstFields);
        largest = Math.max(largest, batch.rows.length);
        rows += batch.rows.length;
        batches += 1;
        last = batch.rows[batch.rows.length - 1];
      }
      expect({ rows, batches, largest, last }).toEqual({
        rows: 100000,
        batches: 100,
        largest: 1000,
        last: ['100000', 'x'],
      });
    });

    it('yields one empty batch with the fields when there are no rows', async () => {
      const batches = [];
      for await (const batch of backend.stream('SELECT 1 AS one WHERE false')) batches.push(batch);
      expect(batches).toHaveLength(1);
      expect(batches[0]?.rows).toEqual([]);
      expect(batches[0]?.fields.map((f) => f.name)).toEqual(['one']);
    });

    it('can be left early, and the backend goes on working', async () => {
      let seen = 0;
      for await (const batch of backend.stream('SELECT g FROM generate_series(1, 50000) g', [], {
        batchSize: 100,
      })) {
        seen += batch.rows.length;
        if (seen >= 300) break;
      }
      expect(seen).toBe(300);
      expect((await backend.query('SELECT 2')).rows).toEqual([['2']]);
    });

    it('fails with the server error when a later batch fails, then the backend goes on working', async () => {
      const received: number[] = [];
      const error = await shardErrorOf(async () => {
        for await (const batch of backend.stream('SELECT 1 / (50 - g) FROM generate_series(1, 100) g', [], {
          batchSize: 10,
        })) {
          received.push(batch.rows.length);
        }
      });
      expect(error.code).toBe('22012');
      expect(received).toEqual([10, 10, 10, 10]);
      expect((await backend.query('SELECT 3')).rows).toEqual([['3']]);
    });
  });

  describe('sessions', () => {
    it('hold a transaction across calls and roll it back on release', async () => {
      const table = uniqueName('held');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      await withSession(backend, async (session) => {
        await session.exec('BEGIN');
        await session.query(`INSERT INTO ${table} VALUES ($1)`, [1]);
        expect((await session.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['1']]);
        const streamed = [];
        for await (const batch of session.stream(`SELECT id FROM ${table}`)) streamed.push(...batch.rows);
        expect(streamed).toEqual([['1']]);
      });
      expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
    });

    it('commit what they commit', async () => {
      const table = uniqueName('committed');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      await withSession(backend, async (session) => {
        await session.exec(`BEGIN; INSERT INTO ${table} VALUES (1); COMMIT`);
      });
      expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['1']]);
    });

    it('refuse calls after release, and release twice is harmless', async () => {
      const session = await backend.session();
      await session.release();
      await session.release();
      const error = await shardErrorOf(() => session.query('SELECT 1'));
      expect(error.code).toBe('08003');
      expect(error.message).toContain('released');
    });

    it('refuse a statement while one of their streams is open', async () => {
      await withSession(backend, async (session) => {
        for await (const _ of session.stream('SELECT g FROM generate_series(1, 10) g', [], {
          batchSize: 2,
        })) {
          const error = await shardErrorOf(() => session.query('SELECT 1'));
          expect(error.code).toBe('55000');
          break;
        }
        expect((await session.query('SELECT 4')).rows).toEqual([['4']]);
      });
    });

    it('end a stream left unfinished when released, and the connection goes back clean', async () => {
      const session = await backend.session();
      await session.exec('BEGIN');
      const iterator = session
        .stream('SELECT g FROM generate_series(1, 1000) g', [], { batchSize: 10 })
        [Symbol.asyncIterator]();
      expect((await iterator.next()).value?.rows).toHaveLength(10);
      // The caller stops reading without leaving the loop, then releases.
      await session.release();
      expect((await iterator.next()).done).toBe(true);
      expect((await backend.query('SELECT 6')).rows).toEqual([['6']]);
      await withSession(backend, async (next) => {
        expect((await next.query('SELECT 7')).rows).toEqual([['7']]);
      });
    });

    it('stay usable after their stream is aborted between batches', async () => {
      await withSession(backend, async (session) => {
        const controller = new AbortController();
        const error = await shardErrorOf(async () => {
          for await (const _ of session.stream('SELECT g FROM generate_series(1, 1000) g', [], {
            batchSize: 10,
            signal: controller.signal,
          })) {
            controller.abort();
          }
        });
        expect(error.code).toBe('57014');
        expect((await session.query('SELECT 8')).rows).toEqual([['8']]);
      });
    });

    it('run concurrent calls in the order they were made', async () => {
      await withSession(backend, async (session) => {
        const answers = await Promise.all(
          [1, 2, 3, 4, 5].map((n) => session.query('SELECT $1::int * 10', [n])),
        );
        expect(answers.map((a) => a.rows[0]?.[0])).toEqual(['10', '20', '30', '40', '50']);
      });
    });

    it('of concurrent callers each see a consistent transaction', async () => {
      const table = uniqueName('counter');
      await backend.exec(`CREATE TABLE ${table} (n int); INSERT INTO ${table} VALUES (0)`);
      await Promise.all(
        Array.from({ length: 10 }, () =>
          withSession(backend, async (session) => {
            await session.exec('BEGIN');
            const { rows } = await session.query(`SELECT n FROM ${table} FOR UPDATE`);
            await session.query(`UPDATE ${table} SET n = $1`, [Number(rows[0]?.[0]) + 1]);
            await session.exec('COMMIT');
          }),
        ),
      );
      expect((await backend.query(`SELECT n FROM ${table}`)).rows).toEqual([['10']]);
    });
  });

  it('a backend call that leaves a transaction open fails, and the transaction is rolled back', async () => {
    const table = uniqueName('leftopen');
    await backend.exec(`CREATE TABLE ${table} (id int)`);
    const error = await shardErrorOf(() => backend.exec(`BEGIN; INSERT INTO ${table} VALUES (1)`));
    expect(error.code).toBe('25000');
    expect(error.message).toContain('session()');
    expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
  });

  describe('two-phase commit', () => {
    async function prepareInsert(table: string, id: number, gid: string): Promise<void> {
      await withSession(backend, async (session) => {
        await session.exec('BEGIN');
        await session.query(`INSERT INTO ${table} VALUES ($1)`, [id]);
        await session.prepareTransaction(gid);
      });
    }

    it('commits and rolls back prepared transactions, listed by gid prefix', async () => {
      const table = uniqueName('twopc');
      const prefix = uniqueName('gid');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      await prepareInsert(table, 1, `${prefix}.a`);
      const listed = await backend.listPrepared(prefix);
      expect(listed.map((p) => p.gid)).toEqual([`${prefix}.a`]);
      expect(listed[0]?.preparedAt).toBeInstanceOf(Date);
      expect(Math.abs((listed[0]?.preparedAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
      await backend.commitPrepared(`${prefix}.a`);
      await prepareInsert(table, 2, `${prefix}.b`);
      await backend.rollbackPrepared(`${prefix}.b`);
      expect(await backend.listPrepared(prefix)).toEqual([]);
      expect((await backend.query(`SELECT id FROM ${table}`)).rows).toEqual([['1']]);
    });

    it('lists only the gids with the prefix', async () => {
      // One pending at a time: an embedded shard runs nothing else while a transaction is prepared.
      const table = uniqueName('prefix');
      const prefix = uniqueName('pfx');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      await prepareInsert(table, 1, `${prefix}-y-1`);
      expect(await backend.listPrepared(`${prefix}-x`)).toEqual([]);
      expect((await backend.listPrepared(`${prefix}-y`)).map((p) => p.gid)).toEqual([`${prefix}-y-1`]);
      expect((await backend.listPrepared(prefix)).map((p) => p.gid)).toEqual([`${prefix}-y-1`]);
      expect((await backend.listPrepared()).map((p) => p.gid)).toContain(`${prefix}-y-1`);
      // The prefix is a plain prefix, not a LIKE pattern.
      expect(await backend.listPrepared(`${prefix.slice(0, 3)}%`)).toEqual([]);
      await backend.rollbackPrepared(`${prefix}-y-1`);
      expect(await backend.listPrepared(prefix)).toEqual([]);
    });

    it('rejects a gid outside the safe characters before sending anything', async () => {
      const error = await shardErrorOf(() => backend.commitPrepared("x'; DROP TABLE t; --"));
      expect(error.code).toBe('22023');
      const session = await backend.session();
      try {
        await session.exec('BEGIN');
        expect((await shardErrorOf(() => session.prepareTransaction('has space'))).code).toBe('22023');
      } finally {
        await session.release();
      }
    });

    it('reports an unknown gid with the server error 42704', async () => {
      const error = await shardErrorOf(() => backend.commitPrepared(uniqueName('nosuch')));
      expect(error.code).toBe('42704');
    });

    it('refuses PREPARE TRANSACTION without an open transaction', async () => {
      const error = await shardErrorOf(() =>
        withSession(backend, (s) => s.prepareTransaction(uniqueName('none'))),
      );
      expect(error.code).toBe('25P01');
    });

    it('says so when PREPARE TRANSACTION rolled back a failed transaction', async () => {
      const gid = uniqueName('failed');
      const error = await shardErrorOf(() =>
        withSession(backend, async (session) => {
          await session.exec('BEGIN');
          await shardErrorOf(() => session.query('SELECT 1/0'));
          await session.prepareTransaction(gid);
        }),
      );
      expect(error.code).toBe('40000');
      expect(await backend.listPrepared(gid)).toEqual([]);
    });
  });

  describe('cancellation', () => {
    it('an already aborted signal runs nothing', async () => {
      const table = uniqueName('aborted');
      await backend.exec(`CREATE TABLE ${table} (id int)`);
      const error = await shardErrorOf(() =>
        backend.query(`INSERT INTO ${table} VALUES (1)`, [], { signal: AbortSignal.abort() }),
      );
      expect(error.code).toBe('57014');
      expect((await backend.query(`SELECT count(*) FROM ${table}`)).rows).toEqual([['0']]);
    });

    it('aborting a stream stops it with 57014 and the backend goes on working', async () => {
      const controller = new AbortController();
      let batches = 0;
      const error = await shardErrorOf(async () => {
        for await (const _ of backend.stream('SELECT g FROM generate_series(1, 100000) g', [], {
          batchSize: 100,
          signal: controller.signal,
        })) {
          batches += 1;
          if (batches === 3) controller.abort();
        }
      });
      expect(error.code).toBe('57014');
      expect(batches).toBe(3);
      expect((await backend.query('SELECT 5')).rows).toEqual([['5']]);
    });
  });

  describe('durability', () => {
    it('keeps committed data and prepared transactions across close and reopen', async () => {
      const name = uniqueName('durable').toLowerCase();
      const gid = uniqueName('survivor');
      const first = await fixture().open(name);
      try {
        await first.exec('CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)');
        await withSession(first, async (session) => {
          await session.exec('BEGIN');
          await session.query('INSERT INTO kept VALUES (2)');
          await session.prepareTransaction(gid);
        });
      } finally {
        await first.close();
      }
      const again = await fixture().open(name);
      try {
        expect((await again.listPrepared(gid)).map((p) => p.gid)).toEqual([gid]);
        await again.commitPrepared(gid);
        expect((await again.query('SELECT id FROM kept ORDER BY id')).rows).toEqual([['1'], ['2']]);
      } finally {
        await again.close();
      }
    });

    it('fails calls after close with 08003', async () => {
      const closed = await fixture().open(uniqueName('closed').toLowerCase());
      await closed.close();
      await closed.close();
      expect((await shardErrorOf(() => closed.query('SELECT 1'))).code).toBe('08003');
    });
  });
}
