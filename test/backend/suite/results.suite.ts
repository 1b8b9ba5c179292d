// Shared ShardBackend tests: result values, command tags, exec, and errors.
import { describe, expect, it } from 'vitest';
import { type SuiteContext, shardErrorOf, uniqueName, withSession } from './suite-helpers.js';

/** Results are the server's text; errors keep the server's fields and name the shard. */
export function resultsSuite(context: SuiteContext): void {
  const backend = () => context.backend();
  const shard = context.shard;

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
      const result = await withSession(backend(), async (session) => {
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
      await backend().exec(`CREATE TABLE ${table} (id int8 PRIMARY KEY, name varchar(20))`);
      const { fields } = await backend().query(`SELECT name, id FROM ${table}`);
      const { rows } = await backend().query('SELECT $1::regclass::oid', [table]);
      const tableID = Number(rows[0]?.[0]);
      expect(fields).toEqual([
        { name: 'name', dataTypeID: 1043, tableID, columnID: 2, dataTypeSize: -1, dataTypeModifier: 24 },
        { name: 'id', dataTypeID: 20, tableID, columnID: 1, dataTypeSize: 8, dataTypeModifier: -1 },
      ]);
    });

    it('reports the full command tag and its row count', async () => {
      const table = uniqueName('tags');
      const created = await backend().query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
      expect([created.command, created.rowCount]).toEqual(['CREATE TABLE', null]);
      const inserted = await backend().query(
        `INSERT INTO ${table} SELECT g, 'x' FROM generate_series(1, 3) g`,
      );
      expect([inserted.command, inserted.rowCount, inserted.rows]).toEqual(['INSERT', 3, []]);
      const returning = await backend().query(`UPDATE ${table} SET v = $1 WHERE id >= $2 RETURNING id`, [
        'y',
        2,
      ]);
      expect([returning.command, returning.rowCount, returning.rows]).toEqual(['UPDATE', 2, [['2'], ['3']]]);
      const deleted = await backend().query(`DELETE FROM ${table} WHERE id = 1`);
      expect([deleted.command, deleted.rowCount]).toEqual(['DELETE', 1]);
    });

    it('exec runs a string of statements and returns one result per statement', async () => {
      const table = uniqueName('multi');
      const results = await backend().exec(
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
      const error = await shardErrorOf(() => backend().exec(`CREATE TABLE ${table} (id int); SELECT 1/0`));
      expect(error.code).toBe('22012');
      const { rows } = await backend().query('SELECT to_regclass($1) IS NULL', [table]);
      expect(rows).toEqual([['t']]);
    });

    it('query runs exactly one statement (extended protocol)', async () => {
      const error = await shardErrorOf(() => backend().query('SELECT 1; SELECT 2'));
      expect(error.code).toBe('42601');
    });
  });

  describe('errors', () => {
    it('keep the SQLSTATE and every server field, name the shard, and never show parameters', async () => {
      const table = uniqueName('errs');
      await backend().exec(`CREATE TABLE ${table} (id int PRIMARY KEY, secret text)`);
      await backend().query(`INSERT INTO ${table} VALUES (1, 'a')`);
      const error = await shardErrorOf(() =>
        backend().query(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'hunter2-parameter']),
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
      const error = await shardErrorOf(() => backend().query('SELECT * FORM nowhere'));
      expect(error).toMatchObject({ code: '42601', position: '10', shard });
    });

    it('leave the backend usable', async () => {
      await shardErrorOf(() => backend().query('SELECT 1/0'));
      expect((await backend().query('SELECT 1')).rows).toEqual([['1']]);
    });
  });
}
