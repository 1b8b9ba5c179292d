// 64-bit integers as two 32-bit halves, for hot paths that must not touch BigInt (BigInt arithmetic
// allocates and is ~50x slower than int32 arithmetic in V8). A point travels as `out[0]` = the high 32
// bits, signed, and `out[1]` = the low 32 bits (stored in an Int32Array, so read it with `>>> 0` when
// the unsigned value is wanted).

const TWO_32 = 4294967296;

/** A reusable two-slot buffer `[hi, lo]` for one 64-bit value. */
export function newPointBuffer(): Int32Array {
  return new Int32Array(2);
}

/** The signed 64-bit value whose halves are `hi` (signed or unsigned bits) and `lo` (any 32 bits). */
export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}

/** Writes the halves of a bigint (taken modulo 2^64, read as signed) into `out`. */
export function fromBigInt(value: bigint, out: Int32Array): void {
  out[0] = Number(BigInt.asIntN(32, value >> 32n));
  out[1] = Number(BigInt.asIntN(32, value));
}

/** Writes the halves of a safe integer into `out`, without BigInt. */
export function fromSafeInteger(value: number, out: Int32Array): void {
  // ToUint32 reduces any integral double modulo 2^32, so negative values get two's complement bits.
  out[1] = value >>> 0;
  out[0] = Math.floor(value / TWO_32) | 0;
}

/** Reads the bigint held by a `[hi, lo]` buffer. */
export function bufferToBigInt(buf: Int32Array): bigint {
  return toBigInt(buf[0]!, buf[1]!);
}

/**
 * `hash_combine64(a, b)` from PostgreSQL's common/hashfn.h, on halves:
 * `a ^= b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7)` in unsigned 64-bit arithmetic.
 * `acc` holds `a` and receives the result; `bHi`/`bLo` are the halves of `b`.
 */
export function hashCombine64Into(acc: Int32Array, bHi: number, bLo: number): void {
  const aHi = acc[0]! >>> 0;
  const aLo = acc[1]! >>> 0;
  // a << 54: only the low 10 bits of a survive, landing in the top 10 bits of the high half.
  const shlHi = (aLo << 22) >>> 0;
  // a >> 7 (logical).
  const shrHi = aHi >>> 7;
  const shrLo = ((aLo >>> 7) | (aHi << 25)) >>> 0;
  // Each partial sum stays below 2^35, so doubles add these 32-bit pieces exactly.
  const lo = (bLo >>> 0) + 0x15e5a8e3 + shrLo;
  const carry = Math.floor(lo / TWO_32);
  const hi = (bHi >>> 0) + 0x49a0f4dd + shlHi + shrHi + carry;
  acc[0] = aHi ^ (hi >>> 0);
  acc[1] = aLo ^ (lo >>> 0);
}
