// + - * / % and unary minus over the numeric tower, with PostgreSQL's results: integer division
// truncates, integer overflow is 22003, division by zero 22012, numeric keeps its scale rules
// (PgNumeric), float results that overflow or underflow from finite inputs are 22003.
import { SwitchyardError } from '../../util/errors.js';
import type { PgNumeric } from '../values/pg-numeric.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { unsupportedExpr } from './compiled-expr.js';
import { checkInteger, isIntegerType, toFloat4 } from './numeric-tower.js';

/** An arithmetic operator Switchyard evaluates. */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

const divisionByZero = () => new SwitchyardError('22012', 'division by zero');

/** Applies `op` to two non-NULL values already converted to tower type `oid`. */
export function applyArithmetic(op: ArithmeticOp, oid: number, a: PgValue, b: PgValue): PgValue {
  if (isIntegerType(oid))
    return integerOp(op, oid, BigInt(a as number | bigint), BigInt(b as number | bigint));
  if (oid === TypeOid.numeric) return numericOp(op, a as PgNumeric, b as PgNumeric);
  return floatOp(op, oid, a as number, b as number);
}

function integerOp(op: ArithmeticOp, oid: number, a: bigint, b: bigint): PgValue {
  switch (op) {
    case '+':
      return checkInteger(a + b, oid);
    case '-':
      return checkInteger(a - b, oid);
    case '*':
      return checkInteger(a * b, oid);
    case '/':
      if (b === 0n) throw divisionByZero();
      return checkInteger(a / b, oid);
    case '%':
      if (b === 0n) throw divisionByZero();
      // INT_MIN % -1 is 0 in PostgreSQL (it special-cases -1 to avoid the CPU trap).
      return checkInteger(b === -1n ? 0n : a % b, oid);
  }
}

function numericOp(op: ArithmeticOp, a: PgNumeric, b: PgNumeric): PgValue {
  switch (op) {
    case '+':
      return a.add(b);
    case '-':
      return a.sub(b);
    case '*':
      return a.mul(b);
    case '/':
      return a.div(b);
    case '%':
      return a.mod(b);
  }
}

function floatOp(op: ArithmeticOp, oid: number, a: number, b: number): PgValue {
  let r: number;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      if (b === 0 && !Number.isNaN(a)) throw divisionByZero();
      r = a / b;
      break;
    case '%':
      throw unsupportedExpr('the % operator on floating-point values');
  }
  const single = oid === TypeOid.float4 ? Math.fround(r) : r;
  // float.h's float_overflow_error / float_underflow_error checks.
  if (!Number.isFinite(single) && Number.isFinite(a) && Number.isFinite(b) && !Number.isNaN(single)) {
    throw new SwitchyardError('22003', 'value out of range: overflow');
  }
  if (
    single === 0 &&
    (op === '*' || op === '/') &&
    a !== 0 &&
    Number.isFinite(b) &&
    (op === '/' || b !== 0)
  ) {
    throw new SwitchyardError('22003', 'value out of range: underflow');
  }
  return oid === TypeOid.float4 ? toFloat4(single) : single;
}

/** Unary minus of a non-NULL value of tower type `oid`. */
export function negate(oid: number, a: PgValue): PgValue {
  if (isIntegerType(oid)) return checkInteger(-BigInt(a as number | bigint), oid);
  if (oid === TypeOid.numeric) return (a as PgNumeric).negate();
  return -(a as number);
}
