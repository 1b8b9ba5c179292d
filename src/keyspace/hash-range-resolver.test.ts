import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalShardMap } from './equal-ranges.js';
import { HashRangeResolver } from './hash-range-resolver.js';
import { hasherFor } from './hasher-for.js';
import { HASHER_NAMES, type KeyType } from './key-type.js';
import { splitRange } from './split-range.js';
import { vnodeRing } from './vnode-ring.js';

const map = equalShardMap([10, 11, 12, 13]);

describe('HashRangeResolver', () => {
  it('sends a key to the shard owning its point, for every hasher and key type', () => {
    const values: Record<KeyType, fc.Arbitrary<string | number | bigint>> = {
      int2: fc.integer({ min: -32768, max: 32767 }),
      int4: fc.integer(),
      int8: fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
      text: fc.string().filter((s) => !s.includes('\0')),
      varchar: fc.string().filter((s) => !s.includes('\0')),
      uuid: fc.uuid(),
    };
    for (const name of HASHER_NAMES) {
      const hasher = hasherFor(name);
      for (const type of Object.keys(values) as KeyType[]) {
        const resolver = new HashRangeResolver(hasher, [type], map);
        fc.assert(
          fc.property(values[type], (value) => {
            const point = hasher.point([type], [value]);
            expect(resolver.pointOf([value])).toBe(point);
            expect(resolver.shardOf(value)).toBe(map.shardOf(point));
            expect(resolver.shardOfKey([value])).toBe(map.shardOf(point));
          }),
          { numRuns: 200 },
        );
      }
    }
  });

  it('resolves multi-column keys by the combined point', () => {
    const resolver = new HashRangeResolver(hasherFor('postgres'), ['int8', 'text'], map);
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.string().filter((s) => !s.includes('\0')),
        (id, tenant) => {
          const point = hasherFor('postgres').point(['int8', 'text'], [id, tenant]);
          expect(resolver.shardOfKey([id, tenant])).toBe(map.shardOf(point));
        },
      ),
    );
    expect(() => resolver.shardOf(1)).toThrow(/pass one value per column to shardOfKey/);
    expect(() => resolver.shardOfKey([1])).toThrow(/2 columns but 1 values were given/);
  });

  it('follows a new shard map', () => {
    const ring = vnodeRing([{ id: 1 }, { id: 2 }], { vnodes: 4 });
    const resolver = new HashRangeResolver(hasherFor('postgres'), ['int8'], ring);
    const point = resolver.pointOf([42]);
    const range = ring.ranges[ring.indexOf(point)]!;
    const moved = resolver.withMap(splitRange(ring, range.start, { at: point, shard: 7 }));
    expect(moved.shardOf(42)).toBe(7);
    expect(resolver.shardOf(42)).toBe(range.shard);
  });

  it('refuses key types the hasher cannot hash when it is built, not on the first row', () => {
    expect(() => new HashRangeResolver(hasherFor('postgres'), ['float8' as KeyType], map)).toThrow(
      /shard keys of type float8 are not supported/,
    );
    expect(() => hasherFor('md5' as 'postgres')).toThrow(/unknown hasher "md5"/);
  });
});
