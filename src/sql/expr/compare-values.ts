// Comparison and common-type rules for = <> < <= > >=, IN, BETWEEN, IS DISTINCT FROM, CASE,
// COALESCE and GREATEST/LEAST: operands are brought to one type (string literals take the other
// side's type, numbers meet in the tower, char(n) meets text as text) and compared with that type's
// btree order (C collation for text).
import { compareUtf8 } from '../../keyspace/text-key.js';
import { pgType } from '../values/pg-type.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { castValue, isTextLike, parseLiteral } from './cast-value.js';
import { type CompiledExpr, unsupportedExpr } from './compiled-expr.js';
import { commonNumericType, isNumericType, operatorType } from './numeric-tower.js';

/** The type two operands of a comparison are compared in. */
export function comparisonType(a: number, b: number): number {
  if (a === TypeOid.unknown) return b === TypeOid.unknown ? TypeOid.text : b;
  if (b === TypeOid.unknown) return a;
  if (isNumericType(a) && isNumericType(b)) return operatorType(a, b);
  if (a === b) return a;
  if (isTextLike(a) && isTextLike(b)) return a === TypeOid.bpchar && b === TypeOid.bpchar ? a : TypeOid.text;
  throw unsupportedExpr(`comparing ${pgType(a).name} with ${pgType(b).name}`);
}

/** The common result type of CASE / COALESCE / GREATEST / LEAST branches (select_common_type). */
export function commonType(types: readonly number[]): number {
  const known = types.filter((t) => t !== TypeOid.unknown);
  if (known.length === 0) return TypeOid.text;
  if (known.every(isNumericType)) return commonNumericType(known);
  const first = known[0] ?? TypeOid.text;
  if (known.every((t) => t === first)) return first;
  if (known.every(isTextLike)) return TypeOid.text;
  throw unsupportedExpr(`mixing ${known.map((t) => pgType(t).name).join(' and ')}`);
}

/** `expr` converted to type `to`: a string literal parsed as `to`, anything else cast implicitly. */
export function coerce(expr: CompiledExpr, to: number): CompiledExpr {
  if (expr.typeOid === to) return expr;
  if (expr.literalText !== undefined) {
    // The server parses the literal when it plans the query; an invalid one fails the statement.
    const value = parseLiteral(expr.literalText, to);
    return { typeOid: to, evaluate: () => value };
  }
  const from = expr.typeOid;
  const inner = expr.evaluate;
  return {
    typeOid: to,
    evaluate: (row, params) => {
      const v = inner(row, params);
      return v === null ? null : castValue(v, from, to);
    },
  };
}

/** Compares two non-NULL values of type `oid` (C collation for text, padding ignored for char(n)). */
export function compareAs(oid: number, a: PgValue, b: PgValue): number {
  if (oid === TypeOid.text || oid === TypeOid.varchar || oid === TypeOid.name) {
    return compareUtf8(a as string, b as string);
  }
  return pgType(oid).compare(a, b);
}
