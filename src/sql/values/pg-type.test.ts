// Value semantics against PostgreSQL itself, per type: random values printed by the server are
// parsed and re-printed here (must equal), sorted by the server under each ORDER BY direction /
// NULLS placement (our sort must give the same sequence of groups), and grouped by the server (our
// group keys must make the same partition). Runs on PGlite (PostgreSQL 18) and a real PostgreSQL.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test/harness/describe-postgres.js';
import { startPostgres } from '../../../test/harness/postgres-server.js';
import { compareNullable } from './compare-nullable.js';
import { pgType } from './pg-type.js';
import type { PgValue } from './pg-value.js';
import { pgClientOracle, pgliteOracle, type SqlOracle } from './sql-oracle.js';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const chars = fc.constantFrom(
  'a',
  'b',
  'B',
  ' ',
  'é',
  '€',
  '😀',
  'z',
  '\u00a0',
  '{',
  '"',
  '\\',
  ',',
  '0',
  'N',
);
const str = fc.string({ unit: chars, maxLength: 6 });
const smallNumeric = fc
  .tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 3 }))
  .map(
    ([n, zeros]) => `${n / 10}${n % 10 === 0 && zeros > 0 ? '.' : ''}${'0'.repeat(n % 10 === 0 ? zeros : 0)}`,
  );
const bigNumeric = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 }))
  .map(([u, s]) => {
    const digits = (u < 0n ? -u : u).toString().padStart(s + 1, '0');
    return `${u < 0n ? '-' : ''}${digits.slice(0, digits.length - s)}${s ? `.${digits.slice(-s)}` : ''}`;
  });
const specials = (...values: string[]) => fc.constantFrom(...values.map(lit));

/** Per type: SQL type name and a generator of SQL expressions of that type (NULL added by the suite). */
const CASES: {
  type: string;
  oid: number;
  expr: fc.Arbitrary<string>;
  noOrder?: boolean;
  noGroup?: boolean;
}[] = [
  { type: 'bool', oid: 16, expr: fc.boolean().map(String) },
  { type: 'int2', oid: 21, expr: fc.integer({ min: -32768, max: 32767 }).map(String) },
  { type: 'int4', oid: 23, expr: fc.integer().map((n) => `(${n})`) },
  {
    type: 'int8',
    oid: 20,
    expr: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => lit(`${n}`)),
  },
  { type: 'oid', oid: 26, expr: fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => lit(`${n}`)) },
  {
    type: 'numeric',
    oid: 1700,
    expr: fc.oneof(smallNumeric.map(lit), bigNumeric.map(lit), specials('NaN', 'Infinity', '-Infinity')),
  },
  {
    type: 'float8',
    oid: 701,
    expr: fc.oneof(
      fc.double({ noNaN: true }).map((d) => lit(Object.is(d, -0) ? '-0' : String(d))),
      fc.integer({ min: -5, max: 5 }).map(String),
      specials('NaN', 'Infinity', '-Infinity', '-0', '1e15', '1e-5', '0.0001', '123456789012345678'),
    ),
  },
  {
    type: 'float4',
    oid: 700,
    expr: fc.oneof(
      fc.float({ noNaN: true }).map((d) => lit(Object.is(d, -0) ? '-0' : String(d))),
      specials('NaN', 'Infinity', '-0', '1e6', '123456', '1e-5', '3.4028235e38'),
    ),
  },
  { type: 'text', oid: 25, expr: str.map(lit) },
  { type: 'varchar', oid: 1043, expr: str.map(lit) },
  { type: 'name', oid: 19, expr: str.map(lit) },
  { type: 'bpchar', oid: 1042, expr: fc.tuple(str, fc.nat(2)).map(([s, n]) => lit(s + ' '.repeat(n))) },
  { type: 'uuid', oid: 2950, expr: fc.uuid().map(lit) },
  {
    type: 'date',
    oid: 1082,
    expr: fc.oneof(
      fc.integer({ min: -1_500_000, max: 3_000_000 }).map((n) => `(date '2000-01-01' + ${n})`),
      specials('infinity', '-infinity'),
    ),
  },
  ...(['timestamp', 'timestamptz'] as const).map((type) => ({
    type,
    oid: type === 'timestamp' ? 1114 : 1184,
    expr: fc.oneof(
      fc
        .tuple(fc.integer({ min: -1_000_000, max: 2_000_000 }), fc.integer({ min: 0, max: 86_399_999_999 }))
        .map(([d, us]) => `((date '2000-01-01' + ${d})::timestamp + ${us} * interval '1 microsecond')`),
      specials('infinity', '-infinity'),
    ),
  })),
  {
    type: 'interval',
    oid: 1186,
    expr: fc
      .tuple(
        fc.integer({ min: -40, max: 40 }),
        fc.integer({ min: -70, max: 70 }),
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
      )
      .map(([m, d, us]) => lit(`${m} mons ${d} days ${us} microseconds`)),
  },
  {
    type: 'bytea',
    oid: 17,
    expr: fc.uint8Array({ maxLength: 4 }).map((b) => lit(`\\x${Buffer.from(b).toString('hex')}`)),
  },
  {
    type: 'jsonb',
    oid: 3802,
    expr: fc
      .oneof(fc.json({ maxDepth: 2 }), fc.constantFrom('1', '1.0', '{"a": 1.50}', '{"a": 1.5}'))
      .map(lit),
    noOrder: true,
  },
  { type: 'json', oid: 114, expr: fc.json({ maxDepth: 2 }).map(lit), noOrder: true, noGroup: true },
  {
    type: 'int4[]',
    oid: 1007,
    expr: fc.oneof(
      fc
        .array(fc.option(fc.integer({ min: -3, max: 3 })), { maxLength: 3 })
        .map((a) => lit(`{${a.map((x) => x ?? 'NULL').join(',')}}`)),
      specials('{{1,2},{3,4}}', '[0:1]={1,2}', '{1,2}', '{{1,2}}'),
    ),
  },
  {
    type: 'text[]',
    oid: 1009,
    expr: fc
      .array(fc.option(str), { maxLength: 3 })
      .map((a) => `ARRAY[${a.map((x) => (x === null ? 'NULL' : lit(x))).join(',')}]::text[]`),
  },
  {
    type: 'numeric[]',
    oid: 1231,
    expr: fc.array(smallNumeric, { maxLength: 3 }).map((a) => lit(`{${a.join(',')}}`)),
  },
];

function runValueSuite(open: () => Promise<SqlOracle>): void {
  let db: SqlOracle;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(() => db?.close());

  for (const c of CASES) {
    it(`${c.type}: round trip, ORDER BY and GROUP BY match the server`, async () => {
      const type = pgType(c.oid);
      const exprs = fc.sample(fc.option(c.expr, { freq: 8 }), { numRuns: 60, seed: c.oid });
      const values = exprs.map((e, i) => `(${i}, (${e ?? 'NULL'})::${c.type})`).join(', ');
      const from = `FROM (VALUES ${values}) t(i, x)`;
      const all = await db.query(`SELECT x ${from} ORDER BY i`);
      expect(all.types[0]).toBe(c.oid);
      const texts = all.rows.map((r) => r[0] ?? null);
      const parsed = texts.map((t) => (t === null ? null : type.parse(t)));
      expect(parsed.map((v) => (v === null ? null : type.format(v)))).toEqual(texts);
      const key = (v: PgValue) => (v === null ? '\u0000NULL' : type.groupKey(v));

      if (!c.noOrder) {
        for (const [descending, nullsFirst] of [
          [false, undefined],
          [true, undefined],
          [false, true],
          [true, false],
        ] as const) {
          const clause = `${descending ? 'DESC' : 'ASC'}${nullsFirst === undefined ? '' : nullsFirst ? ' NULLS FIRST' : ' NULLS LAST'}`;
          const server = (await db.query(`SELECT x ${from} ORDER BY x ${clause}`)).rows.map(
            (r) => r[0] ?? null,
          );
          const ours = [...parsed].sort((a, b) => compareNullable(type, a, b, { descending, nullsFirst }));
          const serverKeys = server.map((t) => key(t === null ? null : type.parse(t)));
          expect(ours.map(key), clause).toEqual(serverKeys);
        }
      } else {
        expect(() => type.compare(parsed.find((v) => v !== null) ?? '{}', '{}')).toThrow(/not supported/);
      }
      if (!c.noGroup) {
        const server = (await db.query(`SELECT string_agg(i::text, ',' ORDER BY i) ${from} GROUP BY x`)).rows
          .map((r) => r[0] ?? '')
          .sort();
        const groups = new Map<string, number[]>();
        parsed.forEach((v, i) => {
          groups.set(key(v), [...(groups.get(key(v)) ?? []), i]);
        });
        expect([...groups.values()].map((g) => g.join(',')).sort()).toEqual(server);
      }
    });
  }

  it('timestamptz input with offsets parses to the instant the server sees', async () => {
    const inputs = ['2024-03-01 10:00:00+05:30', '1999-12-31 23:59:59.5-08', '0044-03-15 12:00:00+01 BC'];
    const type = pgType(1184);
    for (const input of inputs) {
      const server = (await db.query(`SELECT ${lit(input)}::timestamptz`)).rows[0]?.[0] ?? '';
      expect(type.parse(input)).toBe(type.parse(server));
    }
  });
}

describe('PostgreSQL value types [PGlite]', () => {
  runValueSuite(async () => pgliteOracle(await PGlite.create()));
});

describeWithPostgres('PostgreSQL value types', () => {
  let stop = () => {};
  afterAll(() => stop());
  runValueSuite(async () => {
    const server = await startPostgres();
    stop = () => server.stop();
    const client = new pg.Client(server.url());
    await client.connect();
    await client.query("SET TimeZone = 'UTC'");
    return pgClientOracle(client);
  });
});

it('refuses an unsupported type OID with 0A000 naming it', () => {
  expect(() => pgType(600)).toThrow(
    expect.objectContaining({ code: '0A000', message: expect.stringContaining('OID 600') }),
  );
});
