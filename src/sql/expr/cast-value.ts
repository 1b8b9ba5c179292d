// Casts between the supported types, as PostgreSQL's cast functions behave: within the numeric
// tower by numeric-tower.ts; to text through the type's output function (bool prints true/false);
// from text and string literals through the target type's input function; numeric(p,s), varchar(n)
// and char(n) type modifiers applied as numeric / varchar / bpchar do.
import { SwitchyardError } from '../../util/errors.js';
import { PgNumeric } from '../values/pg-numeric.js';
import { pgType } from '../values/pg-type.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { unsupportedExpr } from './compiled-expr.js';
import { convertNumeric, isNumericType } from './numeric-tower.js';

const TEXT_LIKE = new Set<number>([
  TypeOid.text,
  TypeOid.varchar,
  TypeOid.bpchar,
  TypeOid.name,
  TypeOid.unknown,
]);

/** True for text, varchar, bpchar, name and unknown (string literals). */
export function isTextLike(oid: number): boolean {
  return TEXT_LIKE.has(oid);
}

/** The text a value of type `oid` contributes when cast to text. */
export function toText(value: PgValue, oid: number): string {
  if (oid === TypeOid.bool) return value ? 'true' : 'false';
  // char(n) loses its padding when it becomes text (rtrim in bpchar's cast to text).
  if (oid === TypeOid.bpchar) return (value as string).replace(/ +$/, '');
  return pgType(oid).format(value);
}

/**
 * Casts a non-NULL `value` of type `from` to type `to`, with an optional type modifier list
 * (`numeric(10, 2)` → [10, 2]; `varchar(5)` → [5]).
 * @throws SwitchyardError with the server's SQLSTATE (22P02, 22003, 22001, …), or 0A000 for a cast
 * Switchyard does not perform.
 */
export function castValue(
  value: PgValue,
  from: number,
  to: number,
  typmods: readonly number[] = [],
): PgValue {
  const converted = convert(value, from, to);
  return typmods.length > 0 ? applyTypmod(converted, to, typmods) : converted;
}

function convert(value: PgValue, from: number, to: number): PgValue {
  if (from === to) return value;
  if (isNumericType(from) && isNumericType(to)) return convertNumeric(value, from, to);
  if (isTextLike(to)) return toText(value, from);
  if (isTextLike(from)) {
    const text = value as string;
    return pgType(to).parse(text);
  }
  throw unsupportedExpr(`a cast from ${pgType(from).name} to ${pgType(to).name}`);
}

function applyTypmod(value: PgValue, to: number, typmods: readonly number[]): PgValue {
  if (to === TypeOid.numeric) {
    const [precision = 1000, scale = 0] = typmods;
    const n = (value as PgNumeric).round(scale);
    if (n.special) {
      if (n.isNaN) return n;
      throw new SwitchyardError('22003', 'numeric field overflow');
    }
    const abs = n.unscaled < 0n ? -n.unscaled : n.unscaled;
    // At most precision - scale digits may precede the point.
    if (abs >= 10n ** BigInt(precision)) throw new SwitchyardError('22003', 'numeric field overflow');
    return n.withScale(scale) as PgNumeric;
  }
  const [length = 1] = typmods;
  const text = value as string;
  const chars = [...text];
  if (to === TypeOid.varchar || to === TypeOid.bpchar) {
    if (chars.length > length) {
      // An explicit cast truncates silently (as the server does for explicit casts).
      return chars.slice(0, length).join('');
    }
    return to === TypeOid.bpchar ? text + ' '.repeat(length - chars.length) : text;
  }
  return value;
}

/** Parses a string literal as type `oid` (PostgreSQL's coercion of an "unknown" constant). */
export function parseLiteral(text: string, oid: number): PgValue {
  if (isTextLike(oid)) return text;
  if (oid === TypeOid.numeric) return PgNumeric.parse(text);
  return pgType(oid).parse(text);
}
