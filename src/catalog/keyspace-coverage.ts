// Checks that the shards' ranges tile the hash space: every point of [HASH_MIN, HASH_END) owned by
// exactly one shard. Routing depends on it: a gap is a key no shard accepts, an overlap a key two
// shards both believe is theirs.
import { HASH_END, HASH_MIN, type KeyRange } from '../keyspace/key-range.js';
import type { ShardInfo } from './catalog.js';

/** A range with the shard that owns it, for messages that say where it came from. */
interface OwnedRange {
  readonly range: KeyRange;
  readonly shardIndex: number;
  readonly rangeIndex: number;
  readonly shardName: string;
}

/** `[start, end)` with the bounds in decimal; HASH_MIN and HASH_END are easy to recognise as ±2^63. */
export function formatRange(range: KeyRange): string {
  return `[${range.start}, ${range.end})`;
}

/** Whether a range is well formed: bigint bounds, `HASH_MIN <= start < end <= HASH_END`. */
export function isWellFormedRange(range: KeyRange): boolean {
  return (
    typeof range.start === 'bigint' &&
    typeof range.end === 'bigint' &&
    range.start >= HASH_MIN &&
    range.end <= HASH_END &&
    range.start < range.end
  );
}

/**
 * The problems with how `shards` cover the hash space: each gap (named by its bounds and neighbours)
 * and each overlap (naming both shards and their ranges). Malformed ranges are skipped here; the
 * shard checks report them. An empty list means every point is owned by exactly one shard.
 */
export function keyspaceCoverageProblems(shards: readonly ShardInfo[]): string[] {
  const owned: OwnedRange[] = [];
  shards.forEach((shard, shardIndex) => {
    (shard.ranges ?? []).forEach((range, rangeIndex) => {
      if (isWellFormedRange(range)) owned.push({ range, shardIndex, rangeIndex, shardName: shard.name });
    });
  });
  if (owned.length === 0) {
    return [
      `keyspace: no shard owns any range; the shards' ranges must cover ${formatRange({ start: HASH_MIN, end: HASH_END })}`,
    ];
  }
  owned.sort(
    (a, b) => compareBigint(a.range.start, b.range.start) || compareBigint(a.range.end, b.range.end),
  );

  const problems: string[] = [];
  // `reach` is the end of the furthest-reaching range seen so far, `last` the range that reaches it.
  let reach = HASH_MIN;
  let last: OwnedRange | undefined;
  for (const entry of owned) {
    const { start, end } = entry.range;
    if (start > reach) {
      problems.push(gapProblem({ start: reach, end: start }, last, entry));
    } else if (start < reach && last) {
      const overlap = { start, end: minBigint(end, reach) };
      problems.push(overlapProblem(overlap, last, entry));
    }
    if (end > reach) {
      reach = end;
      last = entry;
    }
  }
  if (reach < HASH_END) problems.push(gapProblem({ start: reach, end: HASH_END }, last, undefined));
  return problems;
}

/** Math.min does not take bigints. */
function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(entry: OwnedRange): string {
  return `${entry.shardName} (shards[${entry.shardIndex}].ranges[${entry.rangeIndex}] = ${formatRange(entry.range)})`;
}

function gapProblem(gap: KeyRange, before: OwnedRange | undefined, after: OwnedRange | undefined): string {
  const neighbours = [before && `after ${describe(before)}`, after && `before ${describe(after)}`]
    .filter(Boolean)
    .join(', ');
  return (
    `keyspace: ${formatRange(gap)} is owned by no shard${neighbours ? ` (${neighbours})` : ''}; ` +
    'every point of the hash space must belong to exactly one shard'
  );
}

function overlapProblem(overlap: KeyRange, first: OwnedRange, second: OwnedRange): string {
  if (first.shardIndex === second.shardIndex) {
    return (
      `shards[${first.shardIndex}].ranges: ranges ${first.rangeIndex} ${formatRange(first.range)} and ` +
      `${second.rangeIndex} ${formatRange(second.range)} of shard ${first.shardName} overlap on ` +
      `${formatRange(overlap)}; a shard's ranges must not overlap`
    );
  }
  return (
    `keyspace: ${formatRange(overlap)} is owned by both ${describe(first)} and ${describe(second)}; ` +
    'every point of the hash space must belong to exactly one shard'
  );
}
