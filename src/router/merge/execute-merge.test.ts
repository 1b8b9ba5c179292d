// Properties of the streaming merge: merging sorted shard streams equals sorting their
// concatenation (random rows, keys, directions, NULL placement, ties), LIMIT/OFFSET equal slicing,
// and every shard stream is closed when the merge stops early.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMerge } from './execute-merge.js';
import type { MergePlan, SortKey, TextRow, TextValue } from './merge-plan.js';
import { collect, INT4, TEXT, testRuntime, trackedStream } from './merge-test-doubles.js';

const FIELDS = [
  { name: 'n', typeOid: INT4 },
  { name: 's', typeOid: TEXT },
  { name: 'id', typeOid: INT4 },
];

// An independent reference: PostgreSQL's ORDER BY over JS values.
function referenceCompare(keys: readonly SortKey[]) {
  return (a: TextRow, b: TextRow): number => {
    for (const k of keys) {
      const x = a[k.column.index] ?? null;
      const y = b[k.column.index] ?? null;
      if (x === y) continue;
      if (x === null) return k.nullsFirst ? -1 : 1;
      if (y === null) return k.nullsFirst ? 1 : -1;
      const c = k.column.index === 1 ? (x < y ? -1 : 1) : Number(x) - Number(y);
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  };
}

const rowArb = fc.tuple(
  fc.option(fc.integer({ min: -5, max: 5 }).map(String), { nil: null }),
  fc.option(fc.constantFrom('a', 'b', 'B', 'ab', ''), { nil: null }),
);
const keyArb: fc.Arbitrary<SortKey> = fc.record({
  column: fc.record({ from: fc.constant('start' as const), index: fc.constantFrom(0, 1) }),
  descending: fc.boolean(),
  nullsFirst: fc.boolean(),
});
const caseArb = fc.record({
  rows: fc.array(rowArb, { maxLength: 60 }),
  shardOf: fc.array(fc.nat(3), { maxLength: 60 }),
  keys: fc.array(keyArb, { minLength: 1, maxLength: 3 }),
  batch: fc.integer({ min: 1, max: 7 }),
  limit: fc.option(fc.nat(70), { nil: undefined }),
  offset: fc.option(fc.nat(70), { nil: undefined }),
});

describe('ordered merge', () => {
  it('equals sorting the concatenation, and LIMIT/OFFSET equal slicing it', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ rows, shardOf, keys, batch, limit, offset }) => {
        const all: TextRow[] = rows.map((r, i) => [r[0], r[1], String(i)]);
        const cmp = referenceCompare(keys);
        const shards: TextRow[][] = [[], [], [], []];
        all.forEach((row, i) => {
          shards[shardOf[i] ?? 0]?.push(row);
        });
        const streams = shards.map((s) => trackedStream([...s].sort(cmp), batch));
        const plan: MergePlan = {
          hidden: 0,
          order: keys,
          ...(limit === undefined ? {} : { limit: { kind: 'const', value: String(limit) } }),
          ...(offset === undefined ? {} : { offset: { kind: 'const', value: String(offset) } }),
        };
        const merged = await collect(
          createMerge(plan, { fields: FIELDS, batchSize: 3 }, testRuntime).rows(streams),
        );
        const expected = [...all]
          .sort(cmp)
          .slice(offset ?? 0, limit === undefined ? undefined : (offset ?? 0) + limit);
        // Ties may come in any order (as in PostgreSQL): positions must agree on the sort keys,
        // and a full read must return exactly the same rows.
        expect(merged).toHaveLength(expected.length);
        merged.forEach((row, i) => {
          expect(cmp(row, expected[i] as TextRow)).toBe(0);
        });
        if (limit === undefined && offset === undefined) {
          expect(merged.map((r) => r[2]).sort()).toEqual(all.map((r) => r[2]).sort());
        }
        // Every stream was read to its end or told to stop.
        for (const s of streams) expect(s.closed || s.exhausted).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('stopping early', () => {
  const rows = (from: number): TextRow[] =>
    Array.from({ length: 20 }, (_, i) => [String(from + i * 3), 'x', '0']);

  it('stops pulling at the LIMIT and closes every shard stream', async () => {
    const streams = [trackedStream(rows(0)), trackedStream(rows(1)), trackedStream(rows(2))];
    const plan: MergePlan = {
      hidden: 0,
      order: [{ column: { from: 'start', index: 0 }, descending: false, nullsFirst: false }],
      limit: { kind: 'param', index: 1 },
    };
    const read = createMerge(plan, { fields: FIELDS, params: ['4'] }, testRuntime);
    const merged = await collect(read.rows(streams));
    expect(merged.map((r) => r[0])).toEqual(['0', '1', '2', '3']);
    for (const s of streams) {
      expect(s.closed).toBe(true);
      expect(s.pulled).toBeLessThan(20);
    }
  });

  it('closes the streams of a concatenation the consumer abandons', async () => {
    const streams = [trackedStream(rows(0)), trackedStream(rows(1))];
    const read = createMerge({ hidden: 0, order: [] }, { fields: FIELDS, batchSize: 1 }, testRuntime);
    for await (const _batch of read.rows(streams)) break;
    expect(streams.map((s) => s.closed)).toEqual([true, true]);
  });

  it('LIMIT 0 reads nothing and closes the streams', async () => {
    const streams = [trackedStream(rows(0))];
    const read = createMerge(
      { hidden: 0, order: [], limit: { kind: 'const', value: '0' } },
      { fields: FIELDS },
      testRuntime,
    );
    expect(await collect(read.rows(streams))).toEqual([]);
    expect(streams[0]?.pulled).toBe(0);
  });
});

describe('LIMIT and OFFSET values', () => {
  const plan: MergePlan = {
    hidden: 0,
    order: [],
    limit: { kind: 'param', index: 1 },
    offset: { kind: 'param', index: 2 },
  };
  it.each<[TextValue, TextValue, string]>([
    ['-1', '0', 'LIMIT must not be negative'],
    ['1', '-1', 'OFFSET must not be negative'],
    ['x', '0', 'invalid input syntax'],
  ])('LIMIT %s OFFSET %s is refused before reading: %s', (limit, offset, message) => {
    expect(() => createMerge(plan, { fields: FIELDS, params: [limit, offset] }, testRuntime)).toThrow(
      message,
    );
  });

  it('NULL means no limit and no offset', async () => {
    const read = createMerge(plan, { fields: FIELDS, params: [null, null] }, testRuntime);
    const merged = await collect(
      read.rows([
        trackedStream([
          ['1', 'a', '0'],
          ['2', 'b', '1'],
        ]),
      ]),
    );
    expect(merged).toHaveLength(2);
  });
});

describe('hidden columns and DISTINCT', () => {
  it('drops hidden sort columns after merging on them', async () => {
    const fields = [...FIELDS, { name: 'n', typeOid: INT4 }];
    const plan: MergePlan = {
      hidden: 1,
      order: [{ column: { from: 'end', index: 0 }, descending: true, nullsFirst: true }],
    };
    const read = createMerge(plan, { fields }, testRuntime);
    expect(read.columns.map((c) => c.name)).toEqual(['n', 's', 'id']);
    const merged = await collect(
      read.rows([
        trackedStream([
          ['a', 'x', '1', null],
          ['b', 'x', '2', '5'],
        ]),
        trackedStream([['c', 'y', '3', '7']]),
      ]),
    );
    expect(merged).toEqual([
      ['a', 'x', '1'],
      ['c', 'y', '3'],
      ['b', 'x', '2'],
    ]);
  });

  it('DISTINCT removes rows repeated across shards; DISTINCT ON keeps the first per key', async () => {
    const order: SortKey[] = [{ column: { from: 'start', index: 0 }, descending: false, nullsFirst: false }];
    const a = (): TextRow[] => [
      ['1', 'a', '0'],
      ['2', 'b', '0'],
    ];
    const b = (): TextRow[] => [
      ['1', 'a', '0'],
      ['1', 'z', '9'],
      ['3', 'c', '0'],
    ];
    const distinct = createMerge(
      { hidden: 0, order, distinct: { kind: 'all' } },
      { fields: FIELDS },
      testRuntime,
    );
    expect(await collect(distinct.rows([trackedStream(a()), trackedStream(b())]))).toEqual([
      ['1', 'a', '0'],
      ['1', 'z', '9'],
      ['2', 'b', '0'],
      ['3', 'c', '0'],
    ]);
    const on = createMerge(
      { hidden: 0, order, distinct: { kind: 'on', columns: [{ from: 'start', index: 0 }] } },
      { fields: FIELDS },
      testRuntime,
    );
    expect(await collect(on.rows([trackedStream(b()), trackedStream(a())]))).toEqual([
      ['1', 'a', '0'],
      ['2', 'b', '0'],
      ['3', 'c', '0'],
    ]);
  });
});
