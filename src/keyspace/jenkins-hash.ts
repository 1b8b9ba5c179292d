// PostgreSQL's extended hash functions (src/common/hashfn.c: Bob Jenkins' lookup3 as adapted for
// PostgreSQL), transcribed for 32-bit JS arithmetic. Hand-written because no library reproduces
// hash_bytes_extended bit for bit (its seed handling and length-in-the-initial-state are PostgreSQL's
// own), and because the int8 path runs once per routed row. PostgreSQL on a little-endian machine (and
// PGlite, which is little-endian wasm) reads 4-byte words little-endian, aligned or not; so do we.
// The result is a uint64 `(b << 32) | c`, written as out[0] = b (high half), out[1] = c (low half).

// rot(x, k) and the mix()/final() macros follow, with `| 0` keeping every step in int32.
function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The PostgreSQL seed of hash partitioning, HASH_PARTITION_SEED (partition.h), as a signed int8. */
export const HASH_PARTITION_SEED = 0x7a5b22367996dcfdn;

/** Initial (a, b, c) of hash_bytes_uint32_extended after mixing in a seed; the same for every key. */
export interface Uint32HashState {
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

/** Precomputes the seeded state of hash_bytes_uint32_extended (len = 4): seed perturbation then mix(). */
export function uint32HashState(seed: bigint): Uint32HashState {
  const init = (0x9e3779b9 + 4 + 3923095) | 0;
  let a = init;
  let b = init;
  let c = init;
  if (seed !== 0n) {
    a = (a + Number(BigInt.asUintN(32, seed >> 32n))) | 0;
    b = (b + Number(BigInt.asUintN(32, seed))) | 0;
    [a, b, c] = mix(a, b, c);
  }
  return { a, b, c };
}

/** hash_bytes_uint32_extended(k, seed) with the seed's state precomputed by `uint32HashState`. */
export function hashUint32Extended(k: number, s: Uint32HashState, out: Int32Array): void {
  finalInto((s.a + k) | 0, s.b, s.c, out);
}

function finalInto(a: number, b: number, c: number, out: Int32Array): void {
  c ^= b;
  c = (c - rot(b, 14)) | 0;
  a ^= c;
  a = (a - rot(c, 11)) | 0;
  b ^= a;
  b = (b - rot(a, 25)) | 0;
  c ^= b;
  c = (c - rot(b, 16)) | 0;
  a ^= c;
  a = (a - rot(c, 4)) | 0;
  b ^= a;
  b = (b - rot(a, 14)) | 0;
  c ^= b;
  c = (c - rot(b, 24)) | 0;
  out[0] = b;
  out[1] = c;
}

/** hash_bytes_extended(k, len, seed): the 64-bit hash of `len` bytes of `k`, seed given as halves. */
export function hashBytesExtended(
  k: Uint8Array,
  len: number,
  seedHi: number,
  seedLo: number,
  out: Int32Array,
): void {
  let a = (0x9e3779b9 + len + 3923095) | 0;
  let b = a;
  let c = a;
  // In essence the seed is a first 12-byte block (padded with 4 zero bytes); each block, the seed's
  // included, is added then mixed. One inlined copy of mix() serves both: this loop is the cost of
  // hashing a text key, and a call returning three values would allocate.
  let mixDue = seedHi !== 0 || seedLo !== 0;
  if (mixDue) {
    a = (a + seedHi) | 0;
    b = (b + seedLo) | 0;
  }
  let p = 0;
  let rest = len;
  for (;;) {
    if (mixDue) {
      a = (a - c) | 0;
      a ^= (c << 4) | (c >>> 28);
      c = (c + b) | 0;
      b = (b - a) | 0;
      b ^= (a << 6) | (a >>> 26);
      a = (a + c) | 0;
      c = (c - b) | 0;
      c ^= (b << 8) | (b >>> 24);
      b = (b + a) | 0;
      a = (a - c) | 0;
      a ^= (c << 16) | (c >>> 16);
      c = (c + b) | 0;
      b = (b - a) | 0;
      b ^= (a << 19) | (a >>> 13);
      a = (a + c) | 0;
      c = (c - b) | 0;
      c ^= (b << 4) | (b >>> 28);
      b = (b + a) | 0;
    }
    if (rest < 12) break;
    a = (a + (k[p]! | (k[p + 1]! << 8) | (k[p + 2]! << 16) | (k[p + 3]! << 24))) | 0;
    b = (b + (k[p + 4]! | (k[p + 5]! << 8) | (k[p + 6]! << 16) | (k[p + 7]! << 24))) | 0;
    c = (c + (k[p + 8]! | (k[p + 9]! << 8) | (k[p + 10]! << 16) | (k[p + 11]! << 24))) | 0;
    p += 12;
    rest -= 12;
    mixDue = true;
  }
  // The last 0..11 bytes, little-endian: k[0..3] into a, k[4..7] into b, and k[8..10] into c one byte
  // higher, since the lowest byte of c is reserved for the length (the C code's switch fall-through).
  if (rest >= 4) {
    a = (a + (k[p]! | (k[p + 1]! << 8) | (k[p + 2]! << 16) | (k[p + 3]! << 24))) | 0;
    if (rest >= 8) {
      b = (b + (k[p + 4]! | (k[p + 5]! << 8) | (k[p + 6]! << 16) | (k[p + 7]! << 24))) | 0;
      c = (c + (partialWord(k, p + 8, rest - 8) << 8)) | 0;
    } else {
      b = (b + partialWord(k, p + 4, rest - 4)) | 0;
    }
  } else {
    a = (a + partialWord(k, p, rest)) | 0;
  }
  finalInto(a, b, c, out);
}

// The first `count` (0..3) bytes at k[p] as a little-endian number.
function partialWord(k: Uint8Array, p: number, count: number): number {
  if (count === 0) return 0;
  if (count === 1) return k[p]!;
  if (count === 2) return k[p]! | (k[p + 1]! << 8);
  return k[p]! | (k[p + 1]! << 8) | (k[p + 2]! << 16);
}

// mix() as a function, for uint32HashState (once per seed, so its allocation does not matter).
function mix(a: number, b: number, c: number): [number, number, number] {
  a = (a - c) | 0;
  a ^= rot(c, 4);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rot(a, 6);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rot(b, 8);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= rot(c, 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rot(a, 19);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rot(b, 4);
  b = (b + a) | 0;
  return [a, b, c];
}
