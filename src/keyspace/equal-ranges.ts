// The layout of a fresh cluster: the hash space cut into N ranges of equal width (to within one point).
import { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';
import { type ShardId, ShardMap } from './shard-map.js';

const SPACE = HASH_END - HASH_MIN;

/**
 * `count` consecutive half-open ranges covering the whole hash space, range i being
 * `[HASH_MIN + floor(i * 2^64 / count), HASH_MIN + floor((i + 1) * 2^64 / count))`.
 *
 * @example
 *   equalRanges(2); // [{ start: -(2n ** 63n), end: 0n }, { start: 0n, end: 2n ** 63n }]
 */
export function equalRanges(count: number): KeyRange[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`equalRanges needs a positive integer count, got ${count}`);
  }
  const n = BigInt(count);
  const boundary = (i: bigint) => HASH_MIN + (SPACE * i) / n;
  return Array.from({ length: count }, (_, i) => ({
    start: boundary(BigInt(i)),
    end: boundary(BigInt(i + 1)),
  }));
}

/** A shard map giving `shards[i]` the i-th of `shards.length` equal ranges. */
export function equalShardMap(shards: readonly ShardId[]): ShardMap {
  return ShardMap.of(equalRanges(shards.length).map((range, i) => ({ ...range, shard: shards[i]! })));
}
