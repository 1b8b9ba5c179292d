// Re-aggregation against PostgreSQL: random rows split at random over 2–4 "shards"; the server
// computes each shard's partial aggregates and the aggregate over all rows; the partials combined
// here must print exactly what the server printed (integers, numeric, interval, text, dates), or
// equal it within a rounding tolerance for floats, whose sums depend on the order of additions.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test/harness/describe-postgres.js';
import { startPostgres } from '../../../test/harness/postgres-server.js';
import {
  aggregateResultType,
  avgShardSumType,
  combineAggregate,
  finishAvg,
  type MergeableAggregate,
} from './aggregate-merge.js';
import { pgType } from './pg-type.js';
import type { PgValue } from './pg-value.js';
import { pgClientOracle, pgliteOracle, type SqlOracle } from './sql-oracle.js';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const numericText = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 6 }))
  .map(([u, s]) => {
    const d = (u < 0n ? -u : u).toString().padStart(s + 1, '0');
    return `${u < 0n ? '-' : ''}${d.slice(0, d.length - s)}${s ? `.${d.slice(-s)}` : ''}`;
  });

const CASES: {
  type: string;
  oid: number;
  value: fc.Arbitrary<string>;
  aggs: MergeableAggregate[];
  float?: boolean;
}[] = [
  {
    type: 'int2',
    oid: 21,
    value: fc.integer({ min: -32768, max: 32767 }).map(String),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
  },
  { type: 'int4', oid: 23, value: fc.integer().map(String), aggs: ['count', 'sum', 'min', 'max', 'avg'] },
  {
    type: 'int8',
    oid: 20,
    value: fc
      .oneof(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: -9n, max: 9n }))
      .map(String),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
  },
  {
    type: 'numeric',
    oid: 1700,
    value: fc.oneof(
      { weight: 20, arbitrary: numericText },
      { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', '-Infinity') },
    ),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
  },
  {
    type: 'float8',
    oid: 701,
    value: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
    float: true,
  },
  {
    type: 'float4',
    oid: 700,
    value: fc.float({ min: -1e4, max: 1e4, noNaN: true }).map(String),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
    float: true,
  },
  {
    type: 'interval',
    oid: 1186,
    value: fc
      .tuple(
        fc.integer({ min: -30, max: 30 }),
        fc.integer({ min: -40, max: 40 }),
        fc.integer({ min: -1e11, max: 1e11 }),
      )
      .map(([m, d, us]) => `${m} mons ${d} days ${us} microseconds`),
    aggs: ['count', 'sum', 'min', 'max', 'avg'],
  },
  { type: 'bool', oid: 16, value: fc.boolean().map(String), aggs: ['count', 'bool_and', 'bool_or'] },
  {
    type: 'text',
    oid: 25,
    value: fc.string({ unit: fc.constantFrom('a', 'B', 'é', '😀', ' '), maxLength: 4 }),
    aggs: ['count', 'min', 'max'],
  },
  {
    type: 'date',
    oid: 1082,
    value: fc.integer({ min: -100000, max: 100000 }).map((n) => `2000-01-01 ${n}`),
    aggs: ['min', 'max'],
  },
];

/** A date literal from "2000-01-01 <offset>" so the generator needs no calendar code of ours. */
const valueSql = (type: string, v: string) =>
  type === 'date' ? `(date '2000-01-01' + ${v.split(' ')[1]})` : `${lit(v)}::${type}`;

function aggSql(agg: MergeableAggregate, type: string): string[] {
  if (agg !== 'avg') return [`${agg}(x)`];
  // avgShardSumType says float4 is summed in float8 on the shards.
  return [type === 'float4' ? 'sum(x::float8)' : 'sum(x)', 'count(x)'];
}

function runAggregateSuite(open: () => Promise<SqlOracle>): void {
  let db: SqlOracle;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(() => db?.close());

  for (const c of CASES) {
    it(`${c.type}: ${c.aggs.join(', ')} combined from shards equal the server's`, async () => {
      const samples = fc.sample(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.option(c.value, { freq: 6 })), {
          maxLength: 30,
        }),
        { numRuns: 12, seed: c.oid },
      );
      for (const rows of samples) {
        await db.query('DROP TABLE IF EXISTS agg_t');
        await db.query(`CREATE TABLE agg_t (shard int, x ${c.type})`);
        if (rows.length > 0) {
          const values = rows.map(([s, v]) => `(${s}, ${v === null ? 'NULL' : valueSql(c.type, v)})`);
          await db.query(`INSERT INTO agg_t VALUES ${values.join(', ')}`);
        }
        const parts = c.aggs.flatMap((a) => aggSql(a, c.type));
        const perShard = (await db.query(`SELECT ${parts.join(', ')} FROM agg_t GROUP BY shard`)).rows;
        const whole = await db.query(`SELECT ${c.aggs.map((a) => `${a}(x)`).join(', ')} FROM agg_t`);
        let col = 0;
        c.aggs.forEach((agg, i) => {
          const resultOid = aggregateResultType(agg, c.oid);
          expect(whole.types[i], `${agg} result type`).toBe(resultOid);
          const expected = whole.rows[0]?.[i] ?? null;
          const partial = (k: number, oid: number): PgValue[] =>
            perShard.map((r) => {
              const t = r[k] ?? null;
              return t === null ? null : pgType(oid).parse(t);
            });
          let actual: PgValue;
          if (agg === 'avg') {
            actual = finishAvg(c.oid, partial(col, avgShardSumType(c.oid)), partial(col + 1, 20));
            col += 2;
          } else {
            actual = combineAggregate(agg, c.oid, partial(col, resultOid));
            col += 1;
          }
          const text = actual === null ? null : pgType(resultOid).format(actual);
          if (c.float && (agg === 'sum' || agg === 'avg') && expected !== null && text !== null) {
            const scale = rows.reduce((acc, [, v]) => acc + Math.abs(Number(v ?? 0)), 1);
            const tolerance = scale * (c.type === 'float4' && agg === 'sum' ? 1e-6 : 1e-13);
            expect(
              Math.abs(Number(text) - Number(expected)),
              `${agg}: ${text} vs ${expected}`,
            ).toBeLessThanOrEqual(tolerance);
          } else {
            expect(text, `${agg} over ${JSON.stringify(rows)}`).toBe(expected);
          }
        });
      }
    });
  }

  it('refuses aggregates it cannot merge', () => {
    expect(() => aggregateResultType('sum', 25)).toThrow(expect.objectContaining({ code: '0A000' }));
    expect(() => aggregateResultType('avg', 790)).toThrow(expect.objectContaining({ code: '0A000' }));
  });
}

describe('aggregate merging [PGlite]', () => {
  runAggregateSuite(async () => pgliteOracle(await PGlite.create()));
});

describeWithPostgres('aggregate merging', () => {
  let stop = () => {};
  afterAll(() => stop());
  runAggregateSuite(async () => {
    const server = await startPostgres();
    stop = () => server.stop();
    const client = new pg.Client(server.url());
    await client.connect();
    await client.query("SET TimeZone = 'UTC'");
    return pgClientOracle(client);
  });
});
