// PostgresHasher against PostgreSQL itself: the same values hashed here and by the server's
// hashint2extended / hashint4extended / hashint8extended / hashtextextended / uuid_hash_extended, by
// PGlite (PostgreSQL 18 in wasm) and by a real PostgreSQL 15 server, in batches of one statement each.
// Multi-column keys are checked against the server's own partition routing (satisfies_hash_partition)
// and against postgresPointSql.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../test/harness/describe-postgres.js';
import { startPostgres } from '../../test/harness/postgres-server.js';
import { hashCombine64Into } from './int64.js';
import type { KeyType, KeyValue } from './key-type.js';
import { PostgresHasher } from './postgres-hasher.js';
import { HASH_COMBINE64_FUNCTION_SQL, postgresPointSql } from './postgres-point-sql.js';

const SEED = '8816678312871386365';
const hasher = new PostgresHasher();

interface Oracle {
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A case: the value as the hasher receives it, and its text as SQL receives it. */
type Case = readonly [KeyValue, string];

const SQL_HASH: Readonly<Record<KeyType, string>> = {
  int2: `hashint2extended(v::int2, ${SEED})`,
  int4: `hashint4extended(v::int4, ${SEED})`,
  int8: `hashint8extended(v::int8, ${SEED})`,
  text: `hashtextextended(v collate "C", ${SEED})`,
  varchar: `hashtextextended(v::varchar collate "C", ${SEED})`,
  uuid: `uuid_hash_extended(v::uuid, ${SEED})`,
};

async function serverHashes(db: Oracle, type: KeyType, texts: readonly string[]): Promise<string[]> {
  const rows = await db.query(
    `select (${SQL_HASH[type]})::text as h from jsonb_array_elements_text($1::jsonb) with ordinality as t(v, i) order by i`,
    [JSON.stringify(texts)],
  );
  return rows.map((r) => String(r.h));
}

async function expectSameHashes(db: Oracle, type: KeyType, cases: readonly Case[]): Promise<void> {
  const expected = await serverHashes(
    db,
    type,
    cases.map(([, sql]) => sql),
  );
  const actual = cases.map(([value]) => hasher.point([type], [value]).toString());
  expect(actual).toEqual(expected);
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** An integer in one of the forms a key may arrive in: bigint, decimal text, or number when safe. */
function integerCases(min: bigint, max: bigint): fc.Arbitrary<Case> {
  return fc.tuple(fc.bigInt({ min, max }), fc.nat(2)).map(([v, form]): Case => {
    const asNumber = Number(v);
    if (form === 0 && Number.isSafeInteger(asNumber)) return [asNumber, String(v)];
    return [form === 1 ? String(v) : v, String(v)];
  });
}

const textCase = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }))
  .filter((s) => !s.includes('\0'))
  .map((s): Case => [s, s]);

const uuidCase = fc.uint8Array({ minLength: 16, maxLength: 16 }).chain((bytes) => {
  const hex = Buffer.from(bytes).toString('hex');
  const canonical = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return fc
    .constantFrom(canonical, canonical.toUpperCase(), `{${canonical}}`, hex)
    .map((form): Case => [form, canonical]);
});

const RANDOM: Readonly<Record<KeyType, fc.Arbitrary<Case>>> = {
  int2: integerCases(-32768n, 32767n),
  int4: integerCases(-(2n ** 31n), 2n ** 31n - 1n),
  int8: integerCases(INT8_MIN, INT8_MAX),
  text: textCase,
  varchar: textCase,
  uuid: uuidCase,
};

const int = (v: bigint | number): Case => [v, String(v)];
const EDGES: Readonly<Record<KeyType, readonly Case[]>> = {
  int2: [
    int(0),
    int(-1),
    int(1),
    int(-32768),
    int(32767),
    ['  42 ', '42'],
    ['-0', '0'],
    ['+7', '7'],
    [42n, '42'],
  ],
  int4: [int(0), int(-1), int(-(2 ** 31)), int(2 ** 31 - 1), ['-2147483648', '-2147483648'], [7n, '7']],
  int8: [
    ...[0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 32, -(2 ** 32), 2 ** 32 - 1, Number.MAX_SAFE_INTEGER].map(int),
    int(Number.MIN_SAFE_INTEGER),
    int(INT8_MIN),
    int(INT8_MAX),
    [String(INT8_MAX), String(INT8_MAX)],
    [String(INT8_MIN), String(INT8_MIN)],
    ['000000000000000000000123', '123'],
    ['9007199254740993', '9007199254740993'],
  ],
  text: [
    '',
    'a',
    'abcdefghijk',
    'abcdefghijkl',
    'abcdefghijklm',
    'x'.repeat(24),
    'é',
    'ß'.repeat(11),
    '日本語のテキスト',
    '🦀🦀',
    'a\u{10FFFF}z',
    '\uFFFF',
  ].map((s): Case => [s, s]),
  varchar: ['', 'varchar', '🦀'].map((s): Case => [s, s]),
  uuid: [
    ['00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
    ['a0eebc999c0b4ef8bb6d6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ['{a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ],
};

/** uint64 of a signed point modulo m, as PostgreSQL's partition routing computes `rowHash % modulus`. */
function uint64Mod(point: bigint, m: number): number {
  return Number(BigInt.asUintN(64, point) % BigInt(m));
}

function combineFromZero(point: bigint): bigint {
  const acc = new Int32Array(2);
  hashCombine64Into(acc, Number(BigInt.asIntN(32, point >> 32n)), Number(BigInt.asIntN(32, point)));
  return (BigInt(acc[0]!) << 32n) | BigInt(acc[1]! >>> 0);
}

function oracleSuite(connect: () => Promise<Oracle>): void {
  let db: Oracle;
  beforeAll(async () => {
    db = await connect();
    await db.query(HASH_COMBINE64_FUNCTION_SQL, []);
    await db.query('create table single_key (a int8) partition by hash (a)', []);
    await db.query(
      'create table multi_key (a int8, b text collate "C", c uuid, d int4) partition by hash (a, b, c, d)',
      [],
    );
  });
  afterAll(() => db?.close());

  for (const type of ['int2', 'int4', 'int8', 'text', 'varchar', 'uuid'] as const) {
    it(`hashes ${type} edge cases as the server does`, async () => {
      await expectSameHashes(db, type, EDGES[type]);
    });

    it(`hashes thousands of random ${type} values as the server does`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(RANDOM[type], { minLength: 1000, maxLength: 1000 }), (cases) =>
          expectSameHashes(db, type, cases),
        ),
        { numRuns: 3 },
      );
    });
  }

  it('folds multi-column keys as partition routing does, and postgresPointSql agrees', async () => {
    const row = fc.record({
      a: fc.bigInt({ min: INT8_MIN, max: INT8_MAX }),
      b: textCase,
      c: uuidCase,
      d: fc.integer(),
    });
    const rows = fc.sample(row, { numRuns: 1000, seed: 42 });
    const types: KeyType[] = ['int8', 'text', 'uuid', 'int4'];
    const points = rows.map((r) => hasher.point(types, [r.a, r.b[0], r.c[0], r.d]));
    const json = rows.map((r, i) => ({
      i,
      a: String(r.a),
      b: r.b[1],
      c: r.c[1],
      d: r.d,
      r1: uint64Mod(points[i]!, 2147483647),
      r2: uint64Mod(points[i]!, 1000000007),
    }));
    const sqlPoint = postgresPointSql([
      { expression: 'a', type: 'int8' },
      { expression: 'b collate "C"', type: 'text' },
      { expression: 'c', type: 'uuid' },
      { expression: 'd', type: 'int4' },
    ]);
    const result = await db.query(
      `select (${sqlPoint})::text as p,
              satisfies_hash_partition('multi_key'::regclass, 2147483647, r1, a, b, c, d)
              and satisfies_hash_partition('multi_key'::regclass, 1000000007, r2, a, b, c, d) as routed
         from jsonb_to_recordset($1::jsonb) as t(i int4, a int8, b text, c uuid, d int4, r1 int4, r2 int4)
        order by i`,
      [JSON.stringify(json)],
    );
    expect(result.map((r) => r.p)).toEqual(points.map(String));
    expect(result.every((r) => r.routed === true)).toBe(true);
  });

  it('routes a single-column key by hash_combine64(0, h) while its point is h itself', async () => {
    const values = fc.sample(fc.bigInt({ min: INT8_MIN, max: INT8_MAX }), { numRuns: 500, seed: 7 });
    const json = values.map((v) => {
      const point = hasher.point(['int8'], [v]);
      return {
        a: String(v),
        own: uint64Mod(point, 2147483647),
        routed: uint64Mod(combineFromZero(point), 2147483647),
      };
    });
    const [row] = await db.query(
      `select count(*) filter (where satisfies_hash_partition('single_key'::regclass, 2147483647, routed, a))::int as routed,
              count(*) filter (where satisfies_hash_partition('single_key'::regclass, 2147483647, own, a))::int as own
         from jsonb_to_recordset($1::jsonb) as t(a int8, own int4, routed int4)`,
      [JSON.stringify(json)],
    );
    expect(row).toEqual({ routed: values.length, own: 0 });
  });
}

describe('PostgresHasher [PGlite]', () => {
  oracleSuite(async () => {
    const db = await PGlite.create();
    return {
      query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
      close: () => db.close(),
    };
  });
});

describeWithPostgres('PostgresHasher', () => {
  oracleSuite(async () => {
    const server = await startPostgres();
    const client = new pg.Client(server.url());
    await client.connect();
    return {
      query: async (sql, params) => (await client.query(sql, params)).rows,
      close: async () => {
        await client.end();
        server.stop();
      },
    };
  });
});
