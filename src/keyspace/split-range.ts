// Splitting one range of a shard map in two: the first step of moving part of a shard elsewhere.
import { SwitchyardError } from '../util/errors.js';
import type { ShardId, ShardMap } from './shard-map.js';

/** Where to split and who owns the upper part. */
export interface SplitOptions {
  /** The first point of the upper part; by default the midpoint `start + floor((end - start) / 2)`. */
  readonly at?: bigint;
  /** The owner of the upper part `[at, end)`; by default the range's owner (the split moves nothing). */
  readonly shard?: ShardId;
}

/**
 * A new map in which the range starting exactly at `start` is split into `[start, at)`, kept by its
 * owner, and `[at, end)`, owned by `options.shard`. Only keys of the upper part change shard.
 *
 * @example
 *   const next = splitRange(map, map.ranges[0].start, { shard: 4 }); // upper half of range 0 → shard 4
 */
export function splitRange(map: ShardMap, start: bigint, options: SplitOptions = {}): ShardMap {
  const index = map.indexOf(start);
  const range = map.ranges[index]!;
  if (range.start !== start) {
    throw new SwitchyardError(
      '22023',
      `no range starts at ${start}; the range holding it starts at ${range.start}`,
    );
  }
  const at = options.at ?? range.start + (range.end - range.start) / 2n;
  if (at <= range.start || at >= range.end) {
    throw new SwitchyardError(
      '22023',
      `cannot split [${range.start}, ${range.end}) at ${at}: the point must lie strictly inside the range`,
    );
  }
  return map.replaceRanges(index, 1, [
    { start: range.start, end: at, shard: range.shard },
    { start: at, end: range.end, shard: options.shard ?? range.shard },
  ]);
}
