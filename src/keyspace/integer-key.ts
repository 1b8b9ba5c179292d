// Integer shard key values (int2, int4, int8) as they arrive: JS numbers, bigints, or decimal text
// (the wire protocol delivers int8 as text). Numbers, and decimal strings whose value is a safe integer,
// are read without BigInt, since this runs once per routed row; larger values and bigints take the
// BigInt path.
import { fromBigInt, fromSafeInteger } from './int64.js';
import { invalidKey, keyOutOfRange } from './key-errors.js';
import type { KeyType, KeyValue } from './key-type.js';

/** The integer column types a shard key may have. */
export type IntegerKeyType = 'int2' | 'int4' | 'int8';

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;
const LIMITS = {
  int2: { min: -32768, max: 32767 },
  int4: { min: -2147483648, max: 2147483647 },
} as const;
const DECIMAL = 'a safe integer number, a bigint or a decimal integer string';

/** `parseDecimal` returns this for well-formed decimal text whose value is not a safe integer. */
const TOO_LONG = Number.POSITIVE_INFINITY;

// PostgreSQL's int*in skip leading and trailing isspace() characters.
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Reads `[spaces][+|-]digits[spaces]` as a number when its value is a safe integer; `TOO_LONG` when it
 * is well-formed but larger; NaN when it is not decimal text. Accumulating `value * 10 + digit` in
 * doubles is exact while the value stays below 2^53, and once the true value reaches 2^53 the rounded
 * one does too (rounding is monotonic and 2^53 is a double), so the final check cannot be fooled.
 */
export function parseDecimal(text: string): number {
  let i = 0;
  let n = text.length;
  while (i < n && isSpace(text.charCodeAt(i))) i++;
  while (n > i && isSpace(text.charCodeAt(n - 1))) n--;
  let negative = false;
  const sign = text.charCodeAt(i);
  if (sign === 45 || sign === 43) {
    negative = sign === 45;
    i++;
  }
  if (i >= n) return Number.NaN;
  let value = 0;
  for (; i < n; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  if (value > Number.MAX_SAFE_INTEGER) return TOO_LONG;
  return negative ? -value : value;
}

/** The value of an int2 or int4 key as a number in the type's range; throws 22P02 / 22003. */
export function int32Key(type: 'int2' | 'int4', value: KeyValue): number {
  const { min, max } = LIMITS[type];
  let n: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw invalidKey(type, value, DECIMAL);
    n = value;
  } else if (typeof value === 'string') {
    n = parseDecimal(value);
    if (Number.isNaN(n)) throw invalidKey(type, value, DECIMAL);
  } else if (typeof value === 'bigint') {
    n = value < BigInt(min) || value > BigInt(max) ? TOO_LONG : Number(value);
  } else {
    throw invalidKey(type, value, DECIMAL);
  }
  if (n < min || n > max) throw keyOutOfRange(type, String(min), String(max));
  return n | 0;
}

/**
 * Writes the halves of an int8 key into `out` (`out[0]` high, signed; `out[1]` low bits). Numbers must
 * be safe integers: a larger double may already have been rounded, and routing it would put the row
 * on the wrong shard silently.
 */
export function int64KeyInto(value: KeyValue, out: Int32Array, type: KeyType = 'int8'): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalidKey(type, value, DECIMAL);
    fromSafeInteger(value, out);
    return;
  }
  if (typeof value === 'string') {
    const n = parseDecimal(value);
    if (n !== TOO_LONG) {
      if (Number.isNaN(n)) throw invalidKey(type, value, DECIMAL);
      fromSafeInteger(n, out);
      return;
    }
    // Well-formed (checked above), so BigInt() cannot throw here.
    value = BigInt(value);
  }
  if (typeof value !== 'bigint') throw invalidKey(type, value, DECIMAL);
  if (value < INT8_MIN || value > INT8_MAX) throw keyOutOfRange(type, String(INT8_MIN), String(INT8_MAX));
  fromBigInt(value, out);
}

/**
 * The canonical JS form of an integer key: a number when it is a safe integer, else its decimal
 * text. Equal keys get equal forms, whatever form they arrived in (42, 42n, '42', ' +042').
 */
export function canonicalInteger(type: IntegerKeyType, value: KeyValue): number | string {
  if (type !== 'int8') return int32Key(type, value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalidKey(type, value, DECIMAL);
    return value === 0 ? 0 : value;
  }
  if (typeof value === 'string') {
    const n = parseDecimal(value);
    if (Number.isNaN(n)) throw invalidKey(type, value, DECIMAL);
    if (n !== TOO_LONG) return n === 0 ? 0 : n;
    value = BigInt(value);
  }
  if (typeof value !== 'bigint') throw invalidKey(type, value, DECIMAL);
  if (value < INT8_MIN || value > INT8_MAX) throw keyOutOfRange(type, String(INT8_MIN), String(INT8_MAX));
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}
