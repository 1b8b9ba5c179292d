// Which shard owns each point of the signed 64-bit hash space: a sorted list of half-open ranges that
// cover the space exactly once. Lookup runs per routed row, so range starts are kept as two Int32Arrays
// (high halves, and low halves with the sign bit flipped so that signed comparison orders them as
// unsigned) and a bucket table on the top bits narrows the binary search to a few candidates.
import { ConfigError } from '../util/errors.js';
import { fromBigInt } from './int64.js';
import { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';

/** A shard's stable small integer id (ShardInfo.id in the catalog). */
export type ShardId = number;

/** A range of the hash space and the shard that owns it. */
export interface ShardRange extends KeyRange {
  readonly shard: ShardId;
}

/** A shard and the ranges it owns, as the catalog's ShardInfo holds them. */
export interface ShardRanges {
  readonly id: ShardId;
  readonly ranges: readonly KeyRange[];
}

const MAX_BUCKET_BITS = 16;
const MAX_PROBLEMS = 20;
const pointHalves = new Int32Array(2);
const describeRange = (r: ShardRange) => `shard ${r.shard}'s range [${r.start}, ${r.end})`;

/**
 * An immutable assignment of the whole hash space to shards. Adjacent ranges may have the same owner
 * (a ring layout gives a shard many small ranges, kept apart so they can move separately).
 *
 * @example
 *   const map = ShardMap.of(equalRanges(4).map((r, i) => ({ ...r, shard: i })));
 *   map.shardOf(7363975540656877951n); // 3
 *   map.shardOfPoint(out[0], out[1]); // hot path, with a point from a ColumnHashFn
 */
export class ShardMap {
  /** The ranges, sorted by start; consecutive ranges meet exactly. */
  readonly ranges: readonly ShardRange[];
  private readonly startHi: Int32Array;
  private readonly startLoX: Int32Array;
  private readonly owners: Int32Array;
  private readonly bucketShift: number;
  private readonly buckets: Int32Array;

  private constructor(ranges: readonly ShardRange[]) {
    this.ranges = Object.freeze(
      ranges.map((r) => Object.freeze({ start: r.start, end: r.end, shard: r.shard })),
    );
    const n = ranges.length;
    this.startHi = new Int32Array(n);
    this.startLoX = new Int32Array(n);
    this.owners = new Int32Array(n);
    const halves = new Int32Array(2);
    for (let i = 0; i < n; i++) {
      const r = ranges[i]!;
      fromBigInt(r.start, halves);
      this.startHi[i] = halves[0]!;
      this.startLoX[i] = halves[1]! ^ 0x80000000;
      this.owners[i] = r.shard;
    }
    // About two buckets per range keeps the binary search within a bucket to one or two steps.
    const bits = Math.min(MAX_BUCKET_BITS, Math.max(1, Math.ceil(Math.log2(n)) + 1));
    this.bucketShift = 32 - bits;
    const count = 2 ** bits;
    this.buckets = new Int32Array(count + 1);
    for (let u = 0; u < count; u++) {
      this.buckets[u] = this.search(((u << this.bucketShift) ^ 0x80000000) | 0, 0x80000000 | 0, 0, n - 1);
    }
    this.buckets[count] = n - 1;
  }

  /**
   * A map from ranges in any order. Throws ConfigError naming every gap, overlap or bad range when
   * they do not cover [HASH_MIN, HASH_END) exactly once, or a shard id is not an integer in [0, 2^31).
   */
  static of(ranges: readonly ShardRange[]): ShardMap {
    const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const problems = coverageProblems(sorted);
    if (problems.length > 0) {
      throw new ConfigError('the shard map does not cover the hash space exactly once', problems);
    }
    return new ShardMap(sorted);
  }

  /** A map from the catalog's shape: each shard with the ranges it owns. */
  static fromShards(shards: readonly ShardRanges[]): ShardMap {
    return ShardMap.of(
      shards.flatMap((s) => s.ranges.map((r) => ({ start: r.start, end: r.end, shard: s.id }))),
    );
  }

  /** The number of ranges. */
  get size(): number {
    return this.ranges.length;
  }

  /** The distinct shard ids that own some range, ascending. */
  shardIds(): ShardId[] {
    return [...new Set(this.owners)].sort((a, b) => a - b);
  }

  /** The shard owning `point` (a signed 64-bit integer). */
  shardOf(point: bigint): ShardId {
    return this.ranges[this.indexOf(point)]!.shard;
  }

  /** The index in `ranges` of the range holding `point`. */
  indexOf(point: bigint): number {
    if (point < HASH_MIN || point >= HASH_END)
      throw new RangeError('a point must be a signed 64-bit integer');
    fromBigInt(point, pointHalves);
    return this.indexOfPoint(pointHalves[0]!, pointHalves[1]!);
  }

  /**
   * The shard owning the point with high half `hi` (signed) and low half `lo` (any 32 bits): the hot
   * path, with no allocation and no BigInt.
   */
  shardOfPoint(hi: number, lo: number): ShardId {
    return this.owners[this.indexOfPoint(hi, lo)]!;
  }

  /** `indexOf` for a point given as halves. */
  indexOfPoint(hi: number, lo: number): number {
    const u = (hi ^ 0x80000000) >>> this.bucketShift;
    return this.search(hi | 0, (lo ^ 0x80000000) | 0, this.buckets[u]!, this.buckets[u + 1]!);
  }

  /** The largest index in [l, r] whose start is <= the point; the start at `l` must be <= it. */
  private search(hi: number, loX: number, l: number, r: number): number {
    const startHi = this.startHi;
    const startLoX = this.startLoX;
    while (l < r) {
      const m = (l + r + 1) >> 1;
      const h = startHi[m]!;
      if (h < hi || (h === hi && startLoX[m]! <= loX)) l = m;
      else r = m - 1;
    }
    return l;
  }

  /** The ranges `shard` owns, in order (empty for an unknown shard). */
  rangesOf(shard: ShardId): KeyRange[] {
    return this.ranges.filter((r) => r.shard === shard).map((r) => ({ start: r.start, end: r.end }));
  }

  /** The catalog's shape: each owning shard, ascending, with its ranges. */
  toShards(): ShardRanges[] {
    return this.shardIds().map((id) => ({ id, ranges: this.rangesOf(id) }));
  }

  /** The fraction of the hash space each shard owns (its expected share of uniformly hashed keys). */
  shares(): Map<ShardId, number> {
    const shares = new Map<ShardId, number>();
    for (const r of this.ranges) {
      shares.set(r.shard, (shares.get(r.shard) ?? 0) + Number(r.end - r.start) / 2 ** 64);
    }
    return shares;
  }

  /** A map with the ranges at `index .. index + count - 1` replaced by `replacement` (validated). */
  replaceRanges(index: number, count: number, replacement: readonly ShardRange[]): ShardMap {
    const ranges = [...this.ranges];
    ranges.splice(index, count, ...replacement);
    return ShardMap.of(ranges);
  }
}

/** Every way `sorted` fails to cover the hash space exactly once, one line each. */
function coverageProblems(sorted: readonly ShardRange[]): string[] {
  const problems: string[] = [];
  for (const r of sorted) {
    if (typeof r.start !== 'bigint' || typeof r.end !== 'bigint') {
      problems.push(`shard ${r.shard} has a range whose start or end is not a bigint`);
      return problems;
    }
    if (!Number.isInteger(r.shard) || r.shard < 0 || r.shard > 0x7fffffff) {
      problems.push(`shard id ${String(r.shard)} is not an integer between 0 and 2147483647`);
    }
    if (r.start >= r.end) problems.push(`${describeRange(r)} is empty or reversed`);
    if (r.start < HASH_MIN || r.end > HASH_END)
      problems.push(`${describeRange(r)} lies outside [-2^63, 2^63)`);
  }
  const first = sorted[0];
  if (!first) return ['there are no ranges'];
  if (first.start > HASH_MIN)
    problems.push(`gap [${HASH_MIN}, ${first.start}) before ${describeRange(first)}`);
  // `reach` is the range that extends furthest so far: a range contained in an earlier one overlaps
  // it even when they are not neighbours in start order.
  let reach = first;
  for (let i = 1; i < sorted.length; i++) {
    const next = sorted[i]!;
    if (reach.end < next.start) {
      problems.push(
        `gap [${reach.end}, ${next.start}) between ${describeRange(reach)} and ${describeRange(next)}`,
      );
    } else if (reach.end > next.start) {
      const end = earlier(reach.end, next.end);
      problems.push(
        `overlap [${next.start}, ${end}) between ${describeRange(reach)} and ${describeRange(next)}`,
      );
    }
    if (next.end > reach.end) reach = next;
  }
  if (reach.end < HASH_END) problems.push(`gap [${reach.end}, ${HASH_END}) after ${describeRange(reach)}`);
  if (problems.length > MAX_PROBLEMS) {
    return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`];
  }
  return problems;
}

// Math.min does not take bigints.
function earlier(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}
