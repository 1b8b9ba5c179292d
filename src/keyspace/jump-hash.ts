// Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014):
// maps a 64-bit key to one of n buckets so that growing n to n + 1 moves only 1/(n + 1) of the keys,
// all to the new bucket. The paper's 64-bit LCG step runs on 32-bit halves so no BigInt is needed; the
// floating-point step is the paper's own (IEEE doubles, as in C).

const TWO_31 = 2147483648;
// 2862933555777941757 = 0x27BB2EE6_87B0B0FD, the paper's LCG multiplier, as 32-bit halves.
const M_HI = 0x27bb2ee6;
const M_LO = 0x87b0b0fd;

/**
 * The bucket in [0, buckets) of a 64-bit key given as halves (`hi` signed or unsigned bits, `lo` the
 * low 32 bits). Returns 0 when `buckets` < 1, as the reference implementations do.
 */
export function jumpHashHalves(hi: number, lo: number, buckets: number): number {
  let b = -1;
  let j = 0;
  let kHi = hi >>> 0;
  let kLo = lo >>> 0;
  while (j < buckets) {
    b = j;
    // key = key * 2862933555777941757 + 1 (mod 2^64), the product built from 16-bit pieces.
    const a0 = kLo & 0xffff;
    const a1 = kLo >>> 16;
    const mid = a1 * (M_LO & 0xffff) + a0 * (M_LO >>> 16);
    const low = a0 * (M_LO & 0xffff) + (mid % 65536) * 65536 + 1;
    const carry = Math.floor(low / 4294967296);
    const high = a1 * (M_LO >>> 16) + Math.floor(mid / 65536) + carry;
    kHi = (high + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    kLo = low >>> 0;
    // j = (b + 1) * (double(1 << 31) / double((key >> 33) + 1))
    j = Math.floor((b + 1) * (TWO_31 / ((kHi >>> 1) + 1)));
  }
  return Math.max(b, 0);
}

/** The bucket in [0, buckets) of a 64-bit key (taken modulo 2^64). */
export function jumpHash(key: bigint, buckets: number): number {
  return jumpHashHalves(Number(BigInt.asIntN(32, key >> 32n)), Number(BigInt.asUintN(32, key)), buckets);
}
