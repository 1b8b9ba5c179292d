// PostgreSQL's numeric types as one tower (int2 < int4 < int8 < numeric < float4 < float8): which
// type a mixed operation runs in, and exact conversions between them with the server's range errors.
import { SwitchyardError } from '../../util/errors.js';
import { PgNumeric } from '../values/pg-numeric.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';

const RANK: ReadonlyMap<number, number> = new Map([
  [TypeOid.int2, 1],
  [TypeOid.int4, 2],
  [TypeOid.int8, 3],
  [TypeOid.numeric, 4],
  [TypeOid.float4, 5],
  [TypeOid.float8, 6],
]);

const INT_LIMITS: ReadonlyMap<number, [bigint, bigint, string]> = new Map([
  [TypeOid.int2, [-32768n, 32767n, 'smallint']],
  [TypeOid.int4, [-2147483648n, 2147483647n, 'integer']],
  [TypeOid.int8, [-(2n ** 63n), 2n ** 63n - 1n, 'bigint']],
]);

/** True for int2, int4, int8, numeric, float4 and float8. */
export function isNumericType(oid: number): boolean {
  return RANK.has(oid);
}

/** True for int2, int4 and int8. */
export function isIntegerType(oid: number): boolean {
  return INT_LIMITS.has(oid);
}

/**
 * The type a binary arithmetic or comparison operator runs in: the wider integer for two integers,
 * float4 only for float4 with float4, float8 whenever a float meets anything else (PostgreSQL picks
 * the float48 / float84 operators, float8 being the preferred type), else numeric.
 */
export function operatorType(a: number, b: number): number {
  if (isIntegerType(a) && isIntegerType(b)) return (RANK.get(a) ?? 0) >= (RANK.get(b) ?? 0) ? a : b;
  if (a === TypeOid.float4 && b === TypeOid.float4) return TypeOid.float4;
  if (a === TypeOid.float4 || a === TypeOid.float8 || b === TypeOid.float4 || b === TypeOid.float8) {
    return TypeOid.float8;
  }
  return TypeOid.numeric;
}

/** The common type of CASE / COALESCE / GREATEST branches in the tower (select_common_type). */
export function commonNumericType(types: readonly number[]): number {
  return types.reduce((a, b) => ((RANK.get(b) ?? 0) > (RANK.get(a) ?? 0) ? b : a));
}

/** @throws SwitchyardError 22003 when `value` does not fit integer type `oid`. */
export function checkInteger(value: bigint, oid: number): PgValue {
  const [min, max, name] = INT_LIMITS.get(oid) ?? [0n, 0n, 'integer'];
  if (value < min || value > max) throw new SwitchyardError('22003', `${name} out of range`);
  return oid === TypeOid.int8 ? value : Number(value);
}

/** C rint: round half to even (float to integer casts). */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float8_numeric / float4_numeric: the value printed with %.15g (%.6g for float4), read as numeric. */
export function floatToNumeric(x: number, single: boolean): PgNumeric {
  if (Number.isNaN(x)) return PgNumeric.special('NaN');
  if (!Number.isFinite(x)) return PgNumeric.special(x > 0 ? 'Infinity' : '-Infinity');
  const [mantissa = '0', exp = '0'] = x.toExponential(single ? 5 : 14).split('e');
  // %g drops trailing zeros of the fraction.
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  return PgNumeric.parse(`${trimmed}e${exp}`);
}

/** Converts a value of tower type `from` to tower type `to`, as the server's casts do. */
export function convertNumeric(value: PgValue, from: number, to: number): PgValue {
  if (from === to || value === null) return value;
  if (isIntegerType(from)) {
    const big = BigInt(value as number | bigint);
    if (isIntegerType(to)) return checkInteger(big, to);
    if (to === TypeOid.numeric) return PgNumeric.of(big);
    return to === TypeOid.float4 ? Math.fround(Number(big)) : Number(big);
  }
  if (from === TypeOid.numeric) {
    const n = value as PgNumeric;
    if (isIntegerType(to)) {
      if (n.special) throw new SwitchyardError('0A000', `cannot convert ${n.special} to ${intName(to)}`);
      return checkInteger(n.round(0).unscaled, to);
    }
    return to === TypeOid.float4 ? toFloat4(n.toFloat()) : n.toFloat();
  }
  const x = value as number;
  if (isIntegerType(to)) {
    if (!Number.isFinite(x)) throw new SwitchyardError('22003', `${intName(to)} out of range`);
    return checkInteger(BigInt(rint(x)), to);
  }
  if (to === TypeOid.numeric) return floatToNumeric(x, from === TypeOid.float4);
  return to === TypeOid.float4 ? toFloat4(x) : x;
}

function intName(oid: number): string {
  return INT_LIMITS.get(oid)?.[2] ?? 'integer';
}

/** Rounds to float4. @throws SwitchyardError 22003 when a finite value overflows or underflows. */
export function toFloat4(x: number): number {
  const f = Math.fround(x);
  if (Number.isFinite(x) && !Number.isFinite(f))
    throw new SwitchyardError('22003', 'value out of range: overflow');
  if (x !== 0 && f === 0) throw new SwitchyardError('22003', 'value out of range: underflow');
  return f;
}
