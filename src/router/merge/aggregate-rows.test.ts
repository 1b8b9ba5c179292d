// Re-aggregation with PostgreSQL's value semantics (src/sql/values): folding the partial results of
// any split of the rows into shards equals aggregating all rows on one shard, and count, sum, min
// and max equal the plain arithmetic over all rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMerge } from './execute-merge.js';
import type { MergePlan, TextRow } from './merge-plan.js';
import { collect, INT4, INT8, testRuntime, trackedStream } from './merge-test-doubles.js';
import { pgMergeValues } from './pg-merge-values.js';

const runtime = { ...testRuntime, values: pgMergeValues };

// Shard SQL: SELECT g, count(*), count(x), sum(x), min(x), max(x), sum(x), count(x), x FROM t GROUP BY g
// (the last aggregate is count(DISTINCT x), so x is a group key on the shards too).
const FIELDS = [INT4, INT8, INT8, INT8, INT4, INT4, INT8, INT8, INT4].map((typeOid, i) => ({
  name: `c${i}`,
  typeOid,
}));
const PLAN: MergePlan = {
  hidden: 0,
  order: [{ column: { from: 'start', index: 0 }, descending: false, nullsFirst: false }],
  aggregate: {
    groupKeys: [0],
    carried: [],
    aggregates: [
      { name: 'count', partials: [1], distinct: false, star: true },
      { name: 'count', partials: [2], distinct: false, star: false },
      { name: 'sum', partials: [3], distinct: false, star: false },
      { name: 'min', partials: [4], distinct: false, star: false },
      { name: 'max', partials: [5], distinct: false, star: false },
      { name: 'avg', partials: [6, 7], distinct: false, star: false },
      { name: 'count', partials: [8], distinct: true, star: false },
    ],
    implicitGroup: false,
    projection: [0, 1, 2, 3, 4, 5, 6, 7].map((index) => ({ kind: 'column' as const, index })),
    names: ['g', 'count', 'count', 'sum', 'min', 'max', 'avg', 'count'],
  },
};

type Row = [number, number | null];

// What one shard returns for its rows: grouped by (g, x), as the shard SQL above groups.
function shardRows(rows: readonly Row[]): TextRow[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const id = JSON.stringify(row);
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  return [...groups.values()]
    .map((rs) => {
      const [g, x] = rs[0] as Row;
      const xs = rs.map((r) => r[1]).filter((v): v is number => v !== null);
      const s = xs.length === 0 ? null : String(xs.reduce((a, b) => a + b, 0));
      const n = String(xs.length);
      return [
        String(g),
        String(rs.length),
        n,
        s,
        x === null ? null : String(x),
        x === null ? null : String(x),
        s,
        n,
        x === null ? null : String(x),
      ];
    })
    .sort((a, b) => Number(a[0]) - Number(b[0]));
}

async function merged(shards: readonly Row[][]): Promise<(string | null)[][]> {
  const read = createMerge(PLAN, { fields: FIELDS }, runtime);
  return collect(read.rows(shards.map((s) => trackedStream(shardRows(s), 3))));
}

describe('re-aggregation', () => {
  it('equals aggregating all rows on one shard, whatever the split', async () => {
    const rowArb = fc.tuple(
      fc.integer({ min: 0, max: 3 }),
      fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(rowArb, fc.nat(2)), { maxLength: 40 }), async (placed) => {
        const rows = placed.map(([r]) => r as Row);
        const shards: Row[][] = [[], [], []];
        for (const [row, shard] of placed) shards[shard]?.push(row as Row);
        const split = await merged(shards);
        expect(split).toEqual(await merged([rows]));
        for (const out of split) {
          const xs = rows.filter((r) => String(r[0]) === out[0]).map((r) => r[1]);
          const present = xs.filter((v): v is number => v !== null);
          expect(out[1]).toBe(String(xs.length));
          expect(out[2]).toBe(String(present.length));
          expect(out[3]).toBe(present.length ? String(present.reduce((a, b) => a + b, 0)) : null);
          expect(out[4]).toBe(present.length ? String(Math.min(...present)) : null);
          expect(out[5]).toBe(present.length ? String(Math.max(...present)) : null);
          expect(out[7]).toBe(String(new Set(present).size));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('types the results as PostgreSQL does and prints avg as numeric', async () => {
    const read = createMerge(PLAN, { fields: FIELDS }, runtime);
    expect(read.columns.map((c) => c.typeOid)).toEqual([INT4, INT8, INT8, INT8, INT4, INT4, 1700, INT8]);
    const rows = await collect(
      read.rows([
        trackedStream(
          shardRows([
            [1, 1],
            [1, 2],
          ]),
        ),
        trackedStream(shardRows([[1, 2]])),
      ]),
    );
    expect(rows).toEqual([['1', '3', '3', '5', '1', '2', '1.6666666666666667', '2']]);
  });

  it('answers one row for aggregates without GROUP BY over no rows', async () => {
    const plan: MergePlan = {
      hidden: 0,
      order: [],
      aggregate: {
        groupKeys: [],
        carried: [],
        aggregates: [
          { name: 'count', partials: [0], distinct: false, star: true },
          { name: 'sum', partials: [1], distinct: false, star: false },
        ],
        implicitGroup: true,
        projection: [0, 1].map((index) => ({ kind: 'column' as const, index })),
        names: ['count', 'sum'],
      },
    };
    const read = createMerge(
      plan,
      {
        fields: [
          { name: 'count', typeOid: INT8 },
          { name: 'sum', typeOid: INT8 },
        ],
      },
      runtime,
    );
    expect(await collect(read.rows([trackedStream([['0', null]]), trackedStream([['0', null]])]))).toEqual([
      ['0', null],
    ]);
  });
});
