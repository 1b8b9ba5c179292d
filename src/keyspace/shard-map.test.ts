import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../util/errors.js';
import { equalRanges } from './equal-ranges.js';
import { fromBigInt } from './int64.js';
import { HASH_END, HASH_MIN } from './key-range.js';
import { ShardMap, type ShardRange } from './shard-map.js';

const point = fc.bigInt({ min: HASH_MIN, max: HASH_END - 1n });

/** A valid map: sorted distinct boundaries (some clustered, to crowd buckets) and random owners. */
const shardMaps = fc
  .tuple(
    fc.uniqueArray(point, { maxLength: 300 }),
    fc.uniqueArray(fc.bigInt({ min: 0n, max: 5000n }), { maxLength: 100 }),
    fc.bigInt({ min: HASH_MIN, max: HASH_END - 6000n }),
  )
  .map(([spread, cluster, base]) => {
    const cuts = [...new Set([...spread, ...cluster.map((c) => base + c)])]
      .filter((c) => c > HASH_MIN)
      .sort((a, b) => (a < b ? -1 : 1));
    const starts = [HASH_MIN, ...cuts];
    return starts.map((start, i): ShardRange => ({ start, end: starts[i + 1] ?? HASH_END, shard: i % 7 }));
  });

function naiveShardOf(ranges: readonly ShardRange[], p: bigint): number {
  return ranges.find((r) => r.start <= p && p < r.end)!.shard;
}

function configErrorOf(ranges: ShardRange[]): ConfigError {
  try {
    ShardMap.of(ranges);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('ShardMap', () => {
  it('finds the owner of every point as a linear scan does, at and around every boundary', () => {
    fc.assert(
      fc.property(shardMaps, fc.array(point, { minLength: 200, maxLength: 200 }), (ranges, points) => {
        const map = ShardMap.of([...ranges].reverse());
        const halves = new Int32Array(2);
        const probes = [...points, HASH_MIN, HASH_END - 1n, ...ranges.flatMap((r) => [r.start, r.end - 1n])];
        for (const p of probes) {
          const expected = naiveShardOf(ranges, p);
          expect(map.shardOf(p)).toBe(expected);
          fromBigInt(p, halves);
          expect(map.shardOfPoint(halves[0]!, halves[1]!)).toBe(expected);
          // The low half may come as unsigned bits too.
          expect(map.shardOfPoint(halves[0]!, halves[1]! >>> 0)).toBe(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('names each gap and overlap', () => {
    const [a, b, c] = equalRanges(3) as [ShardRange, ShardRange, ShardRange];
    const gap = configErrorOf([
      { ...a, shard: 0 },
      { start: c.start, end: c.end, shard: 2 },
    ]);
    expect(gap.problems).toEqual([
      `gap [${b.start}, ${b.end}) between shard 0's range [${a.start}, ${a.end}) and shard 2's range [${c.start}, ${c.end})`,
    ]);
    const overlap = configErrorOf([
      { start: HASH_MIN, end: 10n, shard: 0 },
      { start: 5n, end: HASH_END, shard: 1 },
    ]);
    expect(overlap.problems).toEqual([
      `overlap [5, 10) between shard 0's range [${HASH_MIN}, 10) and shard 1's range [5, ${HASH_END})`,
    ]);
    const contained = configErrorOf([
      { start: HASH_MIN, end: HASH_END, shard: 0 },
      { start: 0n, end: 10n, shard: 1 },
      { start: 10n, end: 20n, shard: 2 },
    ]);
    expect(contained.problems).toHaveLength(2);
    expect(contained.problems[1]).toContain("overlap [10, 20) between shard 0's range");
    expect(configErrorOf([{ start: HASH_MIN, end: 0n, shard: 0 }]).problems).toEqual([
      `gap [0, ${HASH_END}) after shard 0's range [${HASH_MIN}, 0)`,
    ]);
    expect(configErrorOf([{ start: 1n, end: HASH_END, shard: 0 }]).problems[0]).toMatch(
      /^gap \[-9223372036854775808, 1\) before/,
    );
    expect(configErrorOf([]).problems).toEqual(['there are no ranges']);
  });

  it('rejects empty, out-of-space ranges and bad shard ids', () => {
    expect(configErrorOf([{ start: HASH_MIN, end: HASH_END + 1n, shard: 0 }]).problems[0]).toMatch(/outside/);
    expect(configErrorOf([{ start: HASH_MIN, end: HASH_END, shard: -1 }]).problems[0]).toMatch(/shard id -1/);
    expect(configErrorOf([{ start: HASH_MIN, end: HASH_END, shard: 1.5 }]).problems[0]).toMatch(
      /shard id 1.5/,
    );
    const error = configErrorOf([
      { start: HASH_MIN, end: 0n, shard: 0 },
      { start: 0n, end: 0n, shard: 1 },
      { start: 0n, end: HASH_END, shard: 2 },
    ]);
    expect(error.problems.some((p) => p.includes('empty or reversed'))).toBe(true);
    expect(error.message).toMatch(/^the shard map does not cover the hash space exactly once:/);
  });

  it('converts to and from the catalog shape and reports shares', () => {
    const map = ShardMap.fromShards([
      { id: 5, ranges: [equalRanges(4)[0]!, equalRanges(4)[2]!] },
      { id: 1, ranges: [equalRanges(4)[1]!, equalRanges(4)[3]!] },
    ]);
    expect(map.shardIds()).toEqual([1, 5]);
    expect(map.size).toBe(4);
    expect(ShardMap.fromShards(map.toShards()).ranges).toEqual(map.ranges);
    expect(map.rangesOf(5)).toEqual([equalRanges(4)[0], equalRanges(4)[2]]);
    expect(map.shares()).toEqual(
      new Map([
        [5, 0.5],
        [1, 0.5],
      ]),
    );
  });

  it('is immutable', () => {
    const map = ShardMap.of(equalRanges(2).map((r, i) => ({ ...r, shard: i })));
    expect(Object.isFrozen(map.ranges)).toBe(true);
    expect(Object.isFrozen(map.ranges[0])).toBe(true);
  });
});
