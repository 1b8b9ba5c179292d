import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBigInt, fromSafeInteger, hashCombine64Into, toBigInt } from './int64.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** hash_combine64 of PostgreSQL's hashfn.h, written directly with BigInt. */
function hashCombine64Reference(a: bigint, b: bigint): bigint {
  const ua = BigInt.asUintN(64, a);
  const sum = BigInt.asUintN(64, BigInt.asUintN(64, b) + 0x49a0f4dd15e5a8e3n + (ua << 54n) + (ua >> 7n));
  return BigInt.asIntN(64, ua ^ sum);
}

describe('int64 halves', () => {
  it('round-trips bigints through halves', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const out = new Int32Array(2);
        fromBigInt(v, out);
        expect(toBigInt(out[0]!, out[1]!)).toBe(v);
      }),
    );
  });

  it('splits safe integers without BigInt exactly as BigInt does', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32))),
        (v) => {
          const out = new Int32Array(2);
          fromSafeInteger(v, out);
          expect(toBigInt(out[0]!, out[1]!)).toBe(BigInt(v));
        },
      ),
    );
  });

  it('combines like hash_combine64', () => {
    fc.assert(
      fc.property(int64, int64, (a, b) => {
        const acc = new Int32Array(2);
        fromBigInt(a, acc);
        const bHalves = new Int32Array(2);
        fromBigInt(b, bHalves);
        hashCombine64Into(acc, bHalves[0]!, bHalves[1]!);
        expect(toBigInt(acc[0]!, acc[1]!)).toBe(hashCombine64Reference(a, b));
      }),
      { numRuns: 5000 },
    );
  });
});
