// The scalar functions Switchyard evaluates: round, trunc, abs, floor, ceil, lower, upper, length,
// with PostgreSQL's overload resolution for the argument types (an integer argument goes to the
// float8 or numeric version as the server chooses) and its rounding rules (numeric rounds half away
// from zero; float8 round() is rint, half to even).
import type { PgNumeric } from '../values/pg-numeric.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { isTextLike } from './cast-value.js';
import { coerce } from './compare-values.js';
import { type CompiledExpr, unsupportedExpr } from './compiled-expr.js';
import { checkInteger, isIntegerType, rint } from './numeric-tower.js';

type Impl = (args: PgValue[]) => PgValue;

function strict(typeOid: number, args: CompiledExpr[], impl: Impl): CompiledExpr {
  return {
    typeOid,
    evaluate: (row, params) => {
      const values = args.map((a) => a.evaluate(row, params));
      return values.some((v) => v === null) ? null : impl(values);
    },
  };
}

/** Compiles a call of `name` over compiled arguments. @throws SwitchyardError 0A000 for others. */
export function compileFunction(name: string, args: CompiledExpr[]): CompiledExpr {
  const [first] = args;
  const argType = first?.typeOid ?? TypeOid.unknown;
  switch (`${name}/${args.length}`) {
    case 'round/1':
    case 'trunc/1':
    case 'floor/1':
    case 'ceil/1':
    case 'ceiling/1': {
      // round(int) resolves to round(float8): float8 is the numeric category's preferred type.
      const oid = argType === TypeOid.numeric ? TypeOid.numeric : TypeOid.float8;
      const arg = coerce(first as CompiledExpr, oid);
      if (oid === TypeOid.numeric) {
        return strict(oid, [arg], ([x]) => numericUnary(name, x as PgNumeric));
      }
      return strict(oid, [arg], ([x]) => floatUnary(name, x as number));
    }
    case 'round/2':
    case 'trunc/2': {
      const x = coerce(first as CompiledExpr, TypeOid.numeric);
      const digits = coerce(args[1] as CompiledExpr, TypeOid.int4);
      return strict(TypeOid.numeric, [x, digits], ([v, d]) =>
        name === 'round' ? (v as PgNumeric).round(d as number) : (v as PgNumeric).trunc(d as number),
      );
    }
    case 'abs/1': {
      const oid = argType === TypeOid.unknown ? TypeOid.float8 : argType;
      const arg = coerce(first as CompiledExpr, oid);
      if (isIntegerType(oid))
        return strict(oid, [arg], ([x]) => checkInteger(abs(BigInt(x as number | bigint)), oid));
      if (oid === TypeOid.numeric) return strict(oid, [arg], ([x]) => (x as PgNumeric).abs());
      if (oid === TypeOid.float4 || oid === TypeOid.float8)
        return strict(oid, [arg], ([x]) => Math.abs(x as number));
      break;
    }
    case 'lower/1':
    case 'upper/1': {
      if (!isTextLike(argType)) break;
      const arg = coerce(first as CompiledExpr, TypeOid.text);
      return strict(TypeOid.text, [arg], ([x]) => changeCase(x as string, name === 'upper'));
    }
    case 'length/1':
    case 'char_length/1':
    case 'character_length/1': {
      if (!isTextLike(argType)) break;
      // length(char(n)) ignores the padding: bpchar's length function trims trailing spaces.
      const trim = argType === TypeOid.bpchar;
      return strict(
        TypeOid.int4,
        [first as CompiledExpr],
        ([x]) => [...(trim ? (x as string).replace(/ +$/, '') : (x as string))].length,
      );
    }
  }
  throw unsupportedExpr(`the function ${name}(${args.length} argument${args.length === 1 ? '' : 's'})`);
}

const abs = (x: bigint) => (x < 0n ? -x : x);

function numericUnary(name: string, x: PgNumeric): PgValue {
  if (name === 'round') return x.round(0);
  if (name === 'trunc') return x.trunc(0);
  return name === 'floor' ? x.floor() : x.ceil();
}

function floatUnary(name: string, x: number): PgValue {
  if (name === 'round') return rint(x);
  if (name === 'trunc') return Math.trunc(x);
  return name === 'floor' ? Math.floor(x) : Math.ceil(x);
}

/**
 * Case mapping one code point at a time, as the server does with a UTF-8 ctype (towupper /
 * towlower): a character whose full Unicode mapping is several characters (ß → SS) stays unchanged.
 */
function changeCase(text: string, upper: boolean): string {
  let out = '';
  for (const ch of text) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    out += [...mapped].length === 1 ? mapped : ch;
  }
  return out;
}
