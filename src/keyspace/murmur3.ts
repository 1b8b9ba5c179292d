// MurmurHash3 (Austin Appleby, SMHasher): x86_32 and x64_128. Hand-written rather than taken from
// murmurhash3js-revisited because that library builds arrays for every 64-bit step and returns hex
// strings, far too slow for a per-row hash; it serves as a second oracle in murmur3.test.ts instead.
// x64_128 works on 64-bit lanes kept as 32-bit halves (no BigInt), with results in `out`:
// out = [h1 high, h1 low, h2 high, h2 low], h1 and h2 being the two little-endian 64-bit words of
// the 16-byte digest.

/** MurmurHash3_x86_32 of `len` bytes of `data`, as an unsigned 32-bit number. */
export function murmur3x86_32(data: Uint8Array, len: number, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed | 0;
  const blocks = len & ~3;
  for (let p = 0; p < blocks; p += 4) {
    let k = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, c2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  for (let i = len - blocks - 1; i >= 0; i--) k = (k << 8) | data[blocks + i]!;
  if (len > blocks) {
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, c2);
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// The result of the 64-bit helpers below, to avoid allocating a pair per operation.
let rHi = 0;
let rLo = 0;

/** (aHi:aLo) * (bHi:bLo) mod 2^64 into rHi:rLo. */
function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  // The full 64-bit product of the low words from 16-bit pieces (each partial product < 2^32, exact).
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const mid = a1 * b0 + a0 * b1;
  const low = a0 * b0 + (mid % 65536) * 65536;
  const carry = Math.floor(low / 4294967296);
  const high = a1 * b1 + Math.floor(mid / 65536) + carry;
  rHi = (high + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) | 0;
  rLo = low | 0;
}

/** Rotate left by r (1..63) into rHi:rLo. */
function rotl64(hi: number, lo: number, r: number): void {
  if (r >= 32) {
    const t = hi;
    hi = lo;
    lo = t;
    r -= 32;
  }
  if (r === 0) {
    rHi = hi;
    rLo = lo;
    return;
  }
  rHi = (hi << r) | (lo >>> (32 - r));
  rLo = (lo << r) | (hi >>> (32 - r));
}

/** (aHi:aLo) + (bHi:bLo) mod 2^64 into rHi:rLo. */
function add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  rHi = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) | 0;
  rLo = lo | 0;
}

/** fmix64 into rHi:rLo. */
function fmix64(hi: number, lo: number): void {
  lo ^= hi >>> 1;
  mul64(hi, lo, 0xff51afd7 | 0, 0xed558ccd | 0);
  hi = rHi;
  lo = rLo ^ (rHi >>> 1);
  mul64(hi, lo, 0xc4ceb9fe | 0, 0x1a85ec53 | 0);
  rLo ^= rHi >>> 1;
}

const C1_HI = 0x87c37b91 | 0;
const C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43;
const C2_LO = 0x2745937f;

function word(data: Uint8Array, p: number): number {
  return data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
}

// k1 *= c1; k1 = ROTL64(k1, 31); k1 *= c2 (into rHi:rLo).
function scrambleK1(hi: number, lo: number): void {
  mul64(hi, lo, C1_HI, C1_LO);
  rotl64(rHi, rLo, 31);
  mul64(rHi, rLo, C2_HI, C2_LO);
}

// k2 *= c2; k2 = ROTL64(k2, 33); k2 *= c1 (into rHi:rLo).
function scrambleK2(hi: number, lo: number): void {
  mul64(hi, lo, C2_HI, C2_LO);
  rotl64(rHi, rLo, 33);
  mul64(rHi, rLo, C1_HI, C1_LO);
}

/** MurmurHash3_x64_128 of `len` bytes of `data`; writes [h1 hi, h1 lo, h2 hi, h2 lo] into `out`. */
export function murmur3x64_128(data: Uint8Array, len: number, seed: number, out: Int32Array): void {
  let h1Hi = 0;
  let h1Lo = seed | 0;
  let h2Hi = 0;
  let h2Lo = seed | 0;
  const blocks = len - (len % 16);
  for (let p = 0; p < blocks; p += 16) {
    scrambleK1(word(data, p + 4), word(data, p));
    h1Hi ^= rHi;
    h1Lo ^= rLo;
    rotl64(h1Hi, h1Lo, 27);
    add64(rHi, rLo, h2Hi, h2Lo);
    mul64(rHi, rLo, 0, 5);
    add64(rHi, rLo, 0, 0x52dce729);
    h1Hi = rHi;
    h1Lo = rLo;
    scrambleK2(word(data, p + 12), word(data, p + 8));
    h2Hi ^= rHi;
    h2Lo ^= rLo;
    rotl64(h2Hi, h2Lo, 31);
    add64(rHi, rLo, h1Hi, h1Lo);
    mul64(rHi, rLo, 0, 5);
    add64(rHi, rLo, 0, 0x38495ab5);
    h2Hi = rHi;
    h2Lo = rLo;
  }
  const tail = len - blocks;
  if (tail > 8) {
    // Bytes 8..14 of the tail, little-endian, form k2.
    let kHi = 0;
    let kLo = 0;
    for (let i = tail - 1; i >= 8; i--) {
      if (i >= 12) kHi = (kHi << 8) | data[blocks + i]!;
      else kLo = (kLo << 8) | data[blocks + i]!;
    }
    scrambleK2(kHi, kLo);
    h2Hi ^= rHi;
    h2Lo ^= rLo;
  }
  if (tail > 0) {
    let kHi = 0;
    let kLo = 0;
    for (let i = Math.min(tail, 8) - 1; i >= 0; i--) {
      if (i >= 4) kHi = (kHi << 8) | data[blocks + i]!;
      else kLo = (kLo << 8) | data[blocks + i]!;
    }
    scrambleK1(kHi, kLo);
    h1Hi ^= rHi;
    h1Lo ^= rLo;
  }
  h1Lo ^= len;
  h2Lo ^= len;
  add64(h1Hi, h1Lo, h2Hi, h2Lo);
  h1Hi = rHi;
  h1Lo = rLo;
  add64(h2Hi, h2Lo, h1Hi, h1Lo);
  h2Hi = rHi;
  h2Lo = rLo;
  fmix64(h1Hi, h1Lo);
  h1Hi = rHi;
  h1Lo = rLo;
  fmix64(h2Hi, h2Lo);
  h2Hi = rHi;
  h2Lo = rLo;
  add64(h1Hi, h1Lo, h2Hi, h2Lo);
  out[0] = rHi;
  out[1] = rLo;
  add64(h2Hi, h2Lo, rHi, rLo);
  out[2] = rHi;
  out[3] = rLo;
}
