import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../util/errors.js';
import { toBigInt } from './int64.js';
import { canonicalInteger, int32Key, int64KeyInto, parseDecimal } from './integer-key.js';
import type { KeyValue } from './key-type.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

function int64Of(value: KeyValue): bigint {
  const out = new Int32Array(2);
  int64KeyInto(value, out);
  return toBigInt(out[0]!, out[1]!);
}

/** The SwitchyardError `fn` throws (failing the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('expected a SwitchyardError');
}

describe('parseDecimal', () => {
  it('reads the decimal text PostgreSQL accepts for integers', () => {
    expect(parseDecimal('42')).toBe(42);
    expect(parseDecimal(' \t-0042\n')).toBe(-42);
    expect(parseDecimal('+7')).toBe(7);
    expect(parseDecimal('999999999999999')).toBe(999999999999999);
    expect(parseDecimal('0000000000000000000000000001')).toBe(1);
  });

  it('rejects other text', () => {
    for (const text of ['', ' ', '-', '+-1', '1.0', '1e3', '0x10', '1_000', '١٢', '12a', 'NaN']) {
      expect(parseDecimal(text), JSON.stringify(text)).toBeNaN();
    }
  });

  it('reads every safe integer exactly and signals, rather than rounds, larger values', () => {
    expect(parseDecimal('9007199254740991')).toBe(9007199254740991);
    expect(parseDecimal('-9007199254740991')).toBe(-9007199254740991);
    expect(parseDecimal('9007199254740992')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDecimal('9007199254740993')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDecimal('99999999999999999999999')).toBe(Number.POSITIVE_INFINITY);
    fc.assert(
      fc.property(fc.maxSafeInteger(), (v) => {
        expect(parseDecimal(String(v))).toBe(v === 0 ? 0 : v);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('int64KeyInto', () => {
  it('reads numbers, bigints and decimal text to the same 64-bit value', () => {
    fc.assert(
      fc.property(int64, (v) => {
        expect(int64Of(v)).toBe(v);
        expect(int64Of(String(v))).toBe(v);
        expect(int64Of(` ${v} `)).toBe(v);
        if (Number.isSafeInteger(Number(v))) expect(int64Of(Number(v))).toBe(v);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects non-integers with 22P02 and says what was wrong without echoing the value', () => {
    const cases: unknown[] = [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      'abc',
      '12345678901234567890x',
      2 ** 53 + 2,
      {},
    ];
    for (const value of cases) {
      const error = errorOf(() => int64KeyInto(value as KeyValue, new Int32Array(2)));
      expect(error.code).toBe('22P02');
      expect(error.message).toMatch(/^shard key of type int8 is .+, expected a safe integer number/);
      if (typeof value === 'string') expect(error.message).not.toContain(value);
    }
  });

  it('rejects out-of-range values with 22003, never echoing them', () => {
    const huge = '9'.repeat(5000);
    for (const value of [2n ** 63n + 5n, -(2n ** 63n) - 7n, '9223372036854775813', huge]) {
      const error = errorOf(() => int64KeyInto(value, new Int32Array(2)));
      expect(error.code).toBe('22003');
      expect(error.message).not.toContain(String(value));
      expect(error.message.length).toBeLessThan(200);
    }
  });

  it('rejects a NULL key with 22004', () => {
    expect(errorOf(() => int64KeyInto(null as unknown as KeyValue, new Int32Array(2))).code).toBe('22004');
    expect(errorOf(() => int64KeyInto(undefined as unknown as KeyValue, new Int32Array(2))).code).toBe(
      '22004',
    );
  });
});

describe('int32Key', () => {
  it('accepts the range of int2 and int4 in every form', () => {
    expect(int32Key('int2', -32768)).toBe(-32768);
    expect(int32Key('int2', '32767')).toBe(32767);
    expect(int32Key('int4', -2147483648n)).toBe(-2147483648);
    expect(int32Key('int4', ' 2147483647 ')).toBe(2147483647);
  });

  it('rejects values outside the type with 22003 and non-integers with 22P02', () => {
    expect(errorOf(() => int32Key('int2', 32768)).code).toBe('22003');
    expect(errorOf(() => int32Key('int2', '-32769')).code).toBe('22003');
    expect(errorOf(() => int32Key('int4', 2n ** 31n)).code).toBe('22003');
    expect(errorOf(() => int32Key('int4', '99999999999999999999')).code).toBe('22003');
    expect(errorOf(() => int32Key('int4', 0.5)).code).toBe('22P02');
    expect(errorOf(() => int32Key('int2', '1,5')).code).toBe('22P02');
  });
});

describe('canonicalInteger', () => {
  it('gives equal keys one form whatever form they arrived in', () => {
    expect(canonicalInteger('int8', ' +0042 ')).toBe(42);
    expect(canonicalInteger('int8', 42n)).toBe(42);
    expect(canonicalInteger('int8', -0)).toBe(0);
    expect(canonicalInteger('int8', '-0')).toBe(0);
    expect(canonicalInteger('int8', '9223372036854775807')).toBe('9223372036854775807');
    expect(canonicalInteger('int8', 9223372036854775807n)).toBe('9223372036854775807');
    expect(canonicalInteger('int2', '7')).toBe(7);
  });
});
