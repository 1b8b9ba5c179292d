import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jumpHash } from './jump-hash.js';

/** The paper's C code transcribed with BigInt, as an independent oracle for the 32-bit halves version. */
function jumpHashReference(key: bigint, buckets: number): number {
  let k = BigInt.asUintN(64, key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = BigInt.asUintN(64, k * 2862933555777941757n + 1n);
    j = Math.floor((b + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return Math.max(b, 0);
}

const key64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

describe('jumpHash', () => {
  it('matches the published vectors (dgryski/go-jump)', () => {
    const vectors: [bigint, number, number][] = [
      [1n, 1, 0],
      [42n, 57, 43],
      [0xdead10ccn, 1, 0],
      [0xdead10ccn, 666, 361],
      [256n, 1024, 520],
      [0n, -10, 0],
      [0xdead10ccn, -666, 0],
    ];
    for (const [key, buckets, expected] of vectors) expect(jumpHash(key, buckets)).toBe(expected);
  });

  it('equals a BigInt transcription of the paper on random keys', () => {
    fc.assert(
      fc.property(key64, fc.integer({ min: 1, max: 100_000 }), (key, buckets) => {
        expect(jumpHash(key, buckets)).toBe(jumpHashReference(key, buckets));
      }),
      { numRuns: 3000 },
    );
  });

  it('moves keys only to the new bucket when a bucket is added', () => {
    fc.assert(
      fc.property(
        fc.array(key64, { minLength: 200, maxLength: 200 }),
        fc.integer({ min: 1, max: 200 }),
        (keys, n) => {
          for (const key of keys) {
            const before = jumpHash(key, n);
            const after = jumpHash(key, n + 1);
            expect(after === before || after === n).toBe(true);
          }
        },
      ),
    );
  });
});
