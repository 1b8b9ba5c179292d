// Balance and movement of the layouts, measured on 1M keys per property run, hashed by PostgresHasher
// as routing hashes them. fast-check picks the key set (sequential ids, random int8, text) and the
// layout seeds; each property runs a few times.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalShardMap } from './equal-ranges.js';
import type { KeyType } from './key-type.js';
import { PostgresHasher } from './postgres-hasher.js';
import type { ShardMap } from './shard-map.js';
import { splitRange } from './split-range.js';
import { addToRing, vnodeRing } from './vnode-ring.js';

const KEYS = 1_000_000;
const RUNS = 3;
const hasher = new PostgresHasher();

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from fast-check's seed. */
function random32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

type KeyStyle = 'sequential' | 'random-int8' | 'text';
const keyStyles = fc.constantFrom<KeyStyle>('sequential', 'random-int8', 'text');

/** The points of 1M keys of a style: `points[2i]`, `points[2i + 1]` are the halves of key i's point. */
function keyPoints(style: KeyStyle, seed: number): Int32Array {
  const next = random32(seed);
  const type: KeyType = style === 'text' ? 'text' : 'int8';
  const hash = hasher.columnHash(type);
  const points = new Int32Array(2 * KEYS);
  const out = points.subarray(0, 2);
  const start = next() * 1000;
  for (let i = 0; i < KEYS; i++) {
    let key: number | string;
    if (style === 'sequential') key = start + i;
    else if (style === 'text') key = `user-${next().toString(36)}-${i}`;
    else key = (next() % 2 ? -1 : 1) * ((next() % 2 ** 21) * 2 ** 32 + next());
    hash(key, out);
    points[2 * i] = out[0]!;
    points[2 * i + 1] = out[1]!;
  }
  return points;
}

function owners(map: ShardMap, points: Int32Array): Int32Array {
  const result = new Int32Array(KEYS);
  for (let i = 0; i < KEYS; i++) result[i] = map.shardOfPoint(points[2 * i]!, points[2 * i + 1]!);
  return result;
}

function loads(map: ShardMap, points: Int32Array): number[] {
  const counts = new Map<number, number>(map.shardIds().map((id) => [id, 0]));
  for (const shard of owners(map, points)) counts.set(shard, counts.get(shard)! + 1);
  return [...counts.values()];
}

const ringSeeds = fc.nat({ max: 0xffffffff });

describe('layout balance and movement over 1M keys', () => {
  it('equal ranges over 4 shards: max load / mean load <= 1.02', () => {
    fc.assert(
      fc.property(keyStyles, fc.integer(), (style, seed) => {
        const counts = loads(equalShardMap([0, 1, 2, 3]), keyPoints(style, seed));
        expect(Math.max(...counts) / (KEYS / 4)).toBeLessThanOrEqual(1.02);
      }),
      { numRuns: RUNS },
    );
  });

  it('a ring with 256 virtual nodes per shard: standard deviation of load <= 5% of the mean', () => {
    fc.assert(
      fc.property(
        keyStyles,
        fc.integer(),
        ringSeeds,
        fc.integer({ min: 3, max: 8 }),
        (style, seed, ringSeed, n) => {
          const ring = vnodeRing(
            Array.from({ length: n }, (_, id) => ({ id })),
            { vnodes: 256, seed: ringSeed },
          );
          const counts = loads(ring, keyPoints(style, seed));
          const mean = KEYS / n;
          const sd = Math.sqrt(counts.reduce((sum, c) => sum + (c - mean) ** 2, 0) / n);
          expect(sd / mean).toBeLessThanOrEqual(0.05);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('adding a fifth shard to a ring moves <= 1/5 + 1% of the keys, all of them to the new shard', () => {
    fc.assert(
      fc.property(keyStyles, fc.integer(), ringSeeds, (style, seed, ringSeed) => {
        const ring = vnodeRing(
          [0, 1, 2, 3].map((id) => ({ id })),
          { seed: ringSeed },
        );
        const grown = addToRing(ring, { id: 4 }, { seed: ringSeed });
        const points = keyPoints(style, seed);
        const before = owners(ring, points);
        const after = owners(grown, points);
        let moved = 0;
        for (let i = 0; i < KEYS; i++) {
          if (before[i] !== after[i]) {
            moved++;
            if (after[i] !== 4) expect.fail(`key ${i} moved from shard ${before[i]} to shard ${after[i]}`);
          }
        }
        expect(moved / KEYS).toBeLessThanOrEqual(1 / 5 + 0.01);
        expect(moved / KEYS).toBeGreaterThan(1 / 5 - 0.02);
      }),
      { numRuns: RUNS },
    );
  });

  it('a split moves exactly the keys of the split-off part of the split range, and no others', () => {
    const layouts = fc.oneof(
      fc.constant(equalShardMap([0, 1, 2, 3])),
      ringSeeds.map((seed) =>
        vnodeRing(
          [0, 1, 2, 3].map((id) => ({ id })),
          { vnodes: 8, seed },
        ),
      ),
    );
    fc.assert(
      fc.property(
        keyStyles,
        fc.integer(),
        layouts,
        fc.nat(),
        fc.option(fc.double({ min: 0.01, max: 0.99, noNaN: true })),
        (style, seed, map, pick, fraction) => {
          const range = map.ranges[pick % map.size]!;
          const width = range.end - range.start;
          const at =
            fraction === null ? undefined : range.start + BigInt(Math.floor(Number(width) * fraction));
          const split = splitRange(map, range.start, { shard: 99, ...(at === undefined ? {} : { at }) });
          const upper = split.ranges.find((r) => r.shard === 99)!;
          const points = keyPoints(style, seed);
          const before = owners(map, points);
          const after = owners(split, points);
          for (let i = 0; i < KEYS; i++) {
            const point = (BigInt(points[2 * i]!) << 32n) | BigInt(points[2 * i + 1]! >>> 0);
            const inUpper = point >= upper.start && point < upper.end;
            if ((before[i] !== after[i]) !== inUpper || (inUpper && after[i] !== 99)) {
              expect.fail(`key ${i} (point ${point}) moved wrongly: ${before[i]} → ${after[i]}`);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
