// The layouts that build and change shard maps: equal ranges, split, merge, ring.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalRanges, equalShardMap } from './equal-ranges.js';
import { HASH_END, HASH_MIN } from './key-range.js';
import { mergeRanges } from './merge-ranges.js';
import { splitRange } from './split-range.js';
import { addToRing, removeFromRing, tokenPosition, vnodeRing } from './vnode-ring.js';

describe('equalRanges', () => {
  it('cuts the space into consecutive ranges whose widths differ by at most one point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (count) => {
        const ranges = equalRanges(count);
        expect(ranges).toHaveLength(count);
        expect(ranges[0]!.start).toBe(HASH_MIN);
        expect(ranges[count - 1]!.end).toBe(HASH_END);
        const widths = ranges.map((r) => r.end - r.start);
        const first = widths[0]!;
        expect(widths.every((w) => w - first <= 1n && first - w <= 1n)).toBe(true);
        for (let i = 1; i < count; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
      }),
    );
  });

  it('gives two shards the negative and the non-negative halves', () => {
    expect(equalRanges(2)).toEqual([
      { start: HASH_MIN, end: 0n },
      { start: 0n, end: HASH_END },
    ]);
    expect(() => equalRanges(0)).toThrow(RangeError);
  });
});

describe('splitRange and mergeRanges', () => {
  const map = equalShardMap([0, 1, 2, 3]);

  it('splits at the midpoint by default, the upper part going to the given shard', () => {
    const range = map.ranges[1]!;
    const split = splitRange(map, range.start, { shard: 9 });
    const mid = range.start + (range.end - range.start) / 2n;
    expect(split.ranges[1]).toEqual({ start: range.start, end: mid, shard: 1 });
    expect(split.ranges[2]).toEqual({ start: mid, end: range.end, shard: 9 });
    expect(split.size).toBe(5);
    expect(map.size).toBe(4);
  });

  it('splits at a given point, and refuses a point outside the range or a non-start', () => {
    const range = map.ranges[0]!;
    expect(splitRange(map, range.start, { at: range.start + 1n }).ranges[1]!.start).toBe(range.start + 1n);
    expect(() => splitRange(map, range.start, { at: range.start })).toThrow(/strictly inside/);
    expect(() => splitRange(map, range.start, { at: range.end })).toThrow(/strictly inside/);
    expect(() => splitRange(map, range.start + 1n)).toThrow(/no range starts at/);
  });

  it('merges a split back into the original map', () => {
    const range = map.ranges[2]!;
    const split = splitRange(map, range.start);
    expect(mergeRanges(split, range.start).ranges).toEqual(map.ranges);
  });

  it('makes the caller name the owner when merging ranges of two shards', () => {
    expect(() => mergeRanges(map, map.ranges[0]!.start)).toThrow(/say which shard owns the merged range/);
    const merged = mergeRanges(map, map.ranges[0]!.start, 1);
    expect(merged.ranges[0]).toEqual({ start: HASH_MIN, end: map.ranges[1]!.end, shard: 1 });
    expect(() => mergeRanges(map, map.ranges[3]!.start, 3)).toThrow(/last one/);
  });
});

describe('vnodeRing', () => {
  it('gives each shard its virtual nodes at Murmur3 positions', () => {
    const ring = vnodeRing([{ id: 0 }, { id: 1, weight: 2 }], { vnodes: 16 });
    expect(ring.ranges.filter((r) => r.shard === 0 && r.start !== HASH_MIN)).toHaveLength(16);
    expect(ring.ranges.filter((r) => r.shard === 1)).toHaveLength(32);
    const starts = new Set(ring.ranges.map((r) => r.start));
    const positions = Array.from({ length: 16 }, (_, v) =>
      Array.from({ length: 16 }, (_, k) => tokenPosition(1, v, k)).some((p) => starts.has(p)),
    );
    expect(positions.every(Boolean)).toBe(true);
  });

  it('shares the space by weight', () => {
    const shares = vnodeRing([{ id: 0 }, { id: 1, weight: 2 }, { id: 2 }]).shares();
    expect(Math.abs(shares.get(1)! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(shares.get(0)! - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(shares.get(2)! - 0.25)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and different across seeds', () => {
    const shards = [{ id: 0 }, { id: 1 }];
    expect(vnodeRing(shards, { seed: 3 }).ranges).toEqual(vnodeRing(shards, { seed: 3 }).ranges);
    expect(vnodeRing(shards, { seed: 3 }).ranges).not.toEqual(vnodeRing(shards, { seed: 4 }).ranges);
  });

  it('adds a shard by splitting ranges only, and removes one by handing its ranges to their neighbours', () => {
    const ring = vnodeRing([{ id: 0 }, { id: 1 }, { id: 2 }], { vnodes: 32 });
    const grown = addToRing(ring, { id: 7 }, { vnodes: 32 });
    for (const r of grown.ranges) {
      if (r.shard !== 7) expect(ring.shardOf(r.start)).toBe(r.shard);
    }
    const shrunk = removeFromRing(grown, 7);
    expect(shrunk.shardIds()).toEqual([0, 1, 2]);
    for (const r of shrunk.ranges) expect(r.shard).toBe(ring.shardOf(r.start));
    expect(() => addToRing(ring, { id: 1 })).toThrow(/already in the ring/);
    expect(() => removeFromRing(vnodeRing([{ id: 4 }]), 4)).toThrow(/only shard/);
  });
});
