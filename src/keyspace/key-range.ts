// The signed 64-bit hash space and the half-open ranges that shards own.

/** The first point of the hash space: -2^63, the smallest int8. */
export const HASH_MIN = -(2n ** 63n);
/** One past the last point of the hash space: 2^63 (exclusive; the largest int8 is 2^63 - 1). */
export const HASH_END = 2n ** 63n;

/**
 * A half-open range `[start, end)` of the signed 64-bit hash space, with
 * `HASH_MIN <= start < end <= HASH_END`. A range whose end is `HASH_END` runs to the largest int8.
 */
export interface KeyRange {
  readonly start: bigint;
  readonly end: bigint;
}
