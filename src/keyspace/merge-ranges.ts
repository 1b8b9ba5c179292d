// Merging two adjacent ranges of a shard map into one, owned by one shard: the inverse of a split.
import { SwitchyardError } from '../util/errors.js';
import type { ShardId, ShardMap } from './shard-map.js';

/**
 * A new map in which the range starting exactly at `start` and the range right after it become one
 * range owned by `shard`. `shard` may be left out only when both ranges have the same owner, so that a
 * merge never moves keys without saying where to.
 *
 * @example
 *   const next = mergeRanges(map, map.ranges[0].start); // ranges 0 and 1 had the same owner
 */
export function mergeRanges(map: ShardMap, start: bigint, shard?: ShardId): ShardMap {
  const index = map.indexOf(start);
  const lower = map.ranges[index]!;
  if (lower.start !== start) {
    throw new SwitchyardError(
      '22023',
      `no range starts at ${start}; the range holding it starts at ${lower.start}`,
    );
  }
  const upper = map.ranges[index + 1];
  if (!upper) throw new SwitchyardError('22023', `the range [${lower.start}, ${lower.end}) is the last one`);
  if (shard === undefined && lower.shard !== upper.shard) {
    throw new SwitchyardError(
      '22023',
      `ranges [${lower.start}, ${lower.end}) and [${upper.start}, ${upper.end}) belong to shards ${lower.shard} and ${upper.shard}; say which shard owns the merged range`,
    );
  }
  return map.replaceRanges(index, 2, [{ start: lower.start, end: upper.end, shard: shard ?? lower.shard }]);
}
