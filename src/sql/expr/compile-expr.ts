// The one expression compiler: a libpg-query expression tree → an evaluator with PostgreSQL's
// semantics (types as the server infers them, three-valued logic, NULL propagation, the server's
// errors and SQLSTATEs). Shared by the merge (HAVING, expressions over aggregates), shapes and views.
// Anything it does not implement is refused with 0A000 so a caller never answers wrongly.
import type { Node } from 'libpg-query';
import { nodeTag, stringOf, stringsOf } from '../ast-nodes.js';
import { PgNumeric } from '../values/pg-numeric.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { type ArithmeticOp, applyArithmetic, negate } from './arithmetic.js';
import { compileFunction } from './call-function.js';
import { castValue, isTextLike, toText } from './cast-value.js';
import { coerce, commonType, compareAs, comparisonType } from './compare-values.js';
import { type CompiledExpr, type ExprScope, unsupportedExpr } from './compiled-expr.js';
import { datetimeOperator } from './datetime-arithmetic.js';
import { isIntegerType, isNumericType, operatorType } from './numeric-tower.js';
import { typeNameOid } from './type-name.js';

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'bool_and',
  'bool_or',
  'every',
  'string_agg',
  'array_agg',
]);

const constant = (typeOid: number, value: PgValue): CompiledExpr => ({ typeOid, evaluate: () => value });

/**
 * Compiles an expression node (a `ResTarget.val`, a WHERE / HAVING clause, …).
 *
 * @example
 *   const [stmt] = parseSql('SELECT a + 1 FROM t');
 *   const e = compileExpr(targetOf(stmt), columnScope([{ name: 'a', typeOid: 23 }]));
 *   e.typeOid; // 23
 *   e.evaluate([41], []); // 42
 * @throws SwitchyardError 0A000 naming the construct when it is not supported; 42703 for an unknown
 * column; the server's SQLSTATE for an invalid literal.
 */
export function compileExpr(node: Node, scope: ExprScope): CompiledExpr {
  const c = (n: Node | undefined) =>
    n === undefined ? constant(TypeOid.unknown, null) : compileExpr(n, scope);
  if ('A_Const' in node) return compileConst(node.A_Const);
  if ('ColumnRef' in node) {
    const names = stringsOf(node.ColumnRef.fields);
    if (names.length !== (node.ColumnRef.fields ?? []).length) throw unsupportedExpr('a * column reference');
    const column = scope.resolveColumn(names);
    if (!column) throw unsupportedExpr(`the column reference ${names.join('.')} (not in the merged row)`);
    const { index } = column;
    return { typeOid: column.typeOid, evaluate: (row) => row[index] ?? null };
  }
  if ('ParamRef' in node) {
    const i = (node.ParamRef.number ?? 1) - 1;
    return { typeOid: scope.paramTypes?.[i] ?? TypeOid.text, evaluate: (_row, params) => params[i] ?? null };
  }
  if ('TypeCast' in node) {
    const { oid, typmods } = typeNameOid(node.TypeCast.typeName);
    const arg = c(node.TypeCast.arg);
    if (arg.literalText !== undefined) {
      const value = castValue(arg.literalText, TypeOid.unknown, oid, typmods);
      return constant(oid, value);
    }
    return strict(oid, [arg], ([v]) => castValue(v ?? null, arg.typeOid, oid, typmods));
  }
  if ('BoolExpr' in node) return compileBool(node.BoolExpr.boolop ?? '', (node.BoolExpr.args ?? []).map(c));
  if ('NullTest' in node) {
    const arg = c(node.NullTest.arg);
    const wantNull = node.NullTest.nulltesttype === 'IS_NULL';
    return { typeOid: TypeOid.bool, evaluate: (r, p) => (arg.evaluate(r, p) === null) === wantNull };
  }
  if ('BooleanTest' in node) {
    const arg = coerce(c(node.BooleanTest.arg), TypeOid.bool);
    const test = node.BooleanTest.booltesttype ?? '';
    const want = test.includes('TRUE') ? true : test.includes('FALSE') ? false : null;
    const negated = test.startsWith('IS_NOT');
    return { typeOid: TypeOid.bool, evaluate: (r, p) => (arg.evaluate(r, p) === want) !== negated };
  }
  if ('A_Expr' in node) return compileAExpr(node.A_Expr, c);
  if ('CaseExpr' in node) return compileCase(node.CaseExpr, c);
  if ('CoalesceExpr' in node) {
    const args = unify((node.CoalesceExpr.args ?? []).map(c));
    return {
      typeOid: args[0]?.typeOid ?? TypeOid.text,
      evaluate: (r, p) => {
        for (const a of args) {
          const v = a.evaluate(r, p);
          if (v !== null) return v;
        }
        return null;
      },
    };
  }
  if ('MinMaxExpr' in node) {
    const args = unify((node.MinMaxExpr.args ?? []).map(c));
    const oid = args[0]?.typeOid ?? TypeOid.text;
    const sign = node.MinMaxExpr.op === 'IS_GREATEST' ? 1 : -1;
    // GREATEST / LEAST ignore NULLs; NULL only when every argument is NULL.
    return {
      typeOid: oid,
      evaluate: (r, p) =>
        args
          .map((a) => a.evaluate(r, p))
          .reduce<PgValue>(
            (best, v) => (v === null ? best : best === null || compareAs(oid, v, best) * sign > 0 ? v : best),
            null,
          ),
    };
  }
  if ('FuncCall' in node) {
    const call = node.FuncCall;
    const names = stringsOf(call.funcname);
    const name = names[names.length - 1] ?? '';
    if (
      AGGREGATES.has(name) ||
      call.agg_star ||
      call.over ||
      call.agg_filter ||
      call.agg_order ||
      call.agg_distinct
    ) {
      throw unsupportedExpr(`the aggregate or window call ${name}(…) (the merge computes aggregates)`);
    }
    if (names.length > 1 && names[0] !== 'pg_catalog')
      throw unsupportedExpr(`the function ${names.join('.')}`);
    const args = (call.args ?? []).map(c);
    if (name === 'coalesce') return compileExpr({ CoalesceExpr: { args: call.args ?? [] } } as Node, scope);
    return compileFunction(name, args);
  }
  throw unsupportedExpr(`the expression ${nodeTag(node)}`);
}

function compileConst(k: NonNullable<Extract<Node, { A_Const: unknown }>['A_Const']>): CompiledExpr {
  if (k.isnull) return constant(TypeOid.unknown, null);
  if (k.ival) return constant(TypeOid.int4, k.ival.ival ?? 0);
  if (k.boolval) return constant(TypeOid.bool, k.boolval.boolval ?? false);
  if (k.fval) {
    // A "float" token is an integer too big for int4 (int8 when it fits) or a decimal (numeric).
    const text = k.fval.fval ?? '0';
    if (/^-?\d+$/.test(text)) {
      const big = BigInt(text);
      if (big >= -(2n ** 63n) && big < 2n ** 63n) return constant(TypeOid.int8, big);
    }
    return constant(TypeOid.numeric, PgNumeric.parse(text));
  }
  if (k.sval) {
    const text = k.sval.sval ?? '';
    return { typeOid: TypeOid.unknown, evaluate: () => text, literalText: text };
  }
  throw unsupportedExpr('a bit-string constant');
}

function strict(typeOid: number, args: CompiledExpr[], impl: (values: PgValue[]) => PgValue): CompiledExpr {
  return {
    typeOid,
    evaluate: (row, params) => {
      const values = args.map((a) => a.evaluate(row, params));
      return values.some((v) => v === null) ? null : impl(values);
    },
  };
}

/** The branches coerced to their common type. */
function unify(args: CompiledExpr[]): CompiledExpr[] {
  const oid = commonType(args.map((a) => a.typeOid));
  return args.map((a) => coerce(a, oid));
}

function compileBool(op: string, args: CompiledExpr[]): CompiledExpr {
  const bools = args.map((a) => coerce(a, TypeOid.bool));
  if (op === 'NOT_EXPR') {
    const [arg] = bools;
    return strict(TypeOid.bool, [arg as CompiledExpr], ([v]) => !v);
  }
  // Three-valued: AND is false if any is false, else NULL if any is NULL; OR dually.
  const decisive = op === 'OR_EXPR';
  return {
    typeOid: TypeOid.bool,
    evaluate: (r, p) => {
      let sawNull = false;
      for (const b of bools) {
        const v = b.evaluate(r, p);
        if (v === decisive) return decisive;
        if (v === null) sawNull = true;
      }
      return sawNull ? null : !decisive;
    },
  };
}

/** A comparison `op` of two compiled operands, as a compiled boolean. */
function comparison(op: string, left: CompiledExpr, right: CompiledExpr): CompiledExpr {
  const oid = comparisonType(left.typeOid, right.typeOid);
  const [l, r] = [coerce(left, oid), coerce(right, oid)];
  return strict(TypeOid.bool, [l, r], ([a, b]) => testComparison(op, compareAs(oid, a ?? null, b ?? null)));
}

function testComparison(op: string, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      return c !== 0;
  }
}

type AExpr = NonNullable<Extract<Node, { A_Expr: unknown }>['A_Expr']>;

function compileAExpr(e: AExpr, c: (n: Node | undefined) => CompiledExpr): CompiledExpr {
  const op = stringOf(e.name?.[e.name.length - 1]) ?? '';
  const kind = e.kind ?? 'AEXPR_OP';
  if (kind === 'AEXPR_OP') {
    if (e.lexpr === undefined) {
      const arg = c(e.rexpr);
      if (op === '+' && isNumericType(arg.typeOid)) return arg;
      if (op !== '-' || !isNumericType(arg.typeOid)) throw unsupportedExpr(`the prefix operator ${op}`);
      return strict(arg.typeOid, [arg], ([v]) => negate(arg.typeOid, v ?? null));
    }
    const left = c(e.lexpr);
    const right = c(e.rexpr);
    if (COMPARISONS.has(op)) return comparison(op, left, right);
    const datetime = ARITHMETIC.has(op) ? datetimeOperator(op, left.typeOid, right.typeOid) : undefined;
    if (datetime) {
      return strict(datetime.result, [coerce(left, datetime.left), coerce(right, datetime.right)], ([a, b]) =>
        datetime.apply(a ?? null, b ?? null),
      );
    }
    if (ARITHMETIC.has(op) && (isNumericType(left.typeOid) || isNumericType(right.typeOid))) {
      const lt = left.typeOid === TypeOid.unknown ? right.typeOid : left.typeOid;
      const rt = right.typeOid === TypeOid.unknown ? left.typeOid : right.typeOid;
      if (!isNumericType(lt) || !isNumericType(rt))
        throw unsupportedExpr(`the operator ${op} on non-numbers`);
      const oid = operatorType(lt, rt);
      // There is no % for float4 / float8: the server fails the statement when it plans it.
      if (op === '%' && (oid === TypeOid.float4 || oid === TypeOid.float8)) {
        throw unsupportedExpr('the % operator on floating-point values');
      }
      return strict(oid, [coerce(left, oid), coerce(right, oid)], ([a, b]) =>
        applyArithmetic(op as ArithmeticOp, oid, a ?? null, b ?? null),
      );
    }
    if (op === '||' && (isTextLike(left.typeOid) || isTextLike(right.typeOid))) {
      const [lo, ro] = [left.typeOid, right.typeOid];
      return strict(
        TypeOid.text,
        [left, right],
        ([a, b]) => toText(a ?? null, lo === 705 ? 25 : lo) + toText(b ?? null, ro === 705 ? 25 : ro),
      );
    }
    throw unsupportedExpr(`the operator ${op}`);
  }
  const left = c(e.lexpr);
  switch (kind) {
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const right = c(e.rexpr);
      const oid = comparisonType(left.typeOid, right.typeOid);
      const [l, r] = [coerce(left, oid), coerce(right, oid)];
      const distinct = kind === 'AEXPR_DISTINCT';
      return {
        typeOid: TypeOid.bool,
        evaluate: (row, p) => {
          const a = l.evaluate(row, p);
          const b = r.evaluate(row, p);
          if (a === null || b === null) return ((a === null) !== (b === null)) === distinct;
          return (compareAs(oid, a, b) !== 0) === distinct;
        },
      };
    }
    case 'AEXPR_NULLIF': {
      // NULLIF returns the first argument of its implied =, i.e. after promotion to the operator's
      // type (NULLIF(numeric, float4) is float8).
      const right = c(e.rexpr);
      const oid = comparisonType(left.typeOid, right.typeOid);
      const [l, r] = [coerce(left, oid), coerce(right, oid)];
      const resultOid = equalityLeftType(left.typeOid, right.typeOid, oid);
      const out = coerce(left, resultOid);
      return {
        typeOid: resultOid,
        evaluate: (row, p) => {
          const a = l.evaluate(row, p);
          const b = r.evaluate(row, p);
          return a !== null && b !== null && compareAs(oid, a, b) === 0 ? null : out.evaluate(row, p);
        },
      };
    }
    case 'AEXPR_IN': {
      const items = listItems(e.rexpr).map(c);
      // x IN (a, b) is x = a OR x = b; NOT IN is x <> a AND x <> b.
      const tests = items.map((item) => comparison(op === '<>' ? '<>' : '=', left, item));
      return compileBool(op === '<>' ? 'AND_EXPR' : 'OR_EXPR', tests);
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const [low, high] = listItems(e.rexpr).map(c);
      const inside = compileBool('AND_EXPR', [
        comparison('>=', left, low as CompiledExpr),
        comparison('<=', left, high as CompiledExpr),
      ]);
      return kind === 'AEXPR_BETWEEN' ? inside : compileBool('NOT_EXPR', [inside]);
    }
    default:
      throw unsupportedExpr(`the ${kind.replace('AEXPR_', '').toLowerCase()} expression`);
  }
}

/**
 * The left input type of the = operator the server picks: cross-type integer operators (int24eq,
 * int48eq) and float48eq keep the left operand's own type; otherwise the comparison type.
 */
function equalityLeftType(left: number, right: number, comparisonOid: number): number {
  if (isIntegerType(left) && isIntegerType(right)) return left;
  if (left === TypeOid.float4 && isNumericType(right)) return left;
  return comparisonOid;
}

function listItems(node: Node | undefined): Node[] {
  return node !== undefined && 'List' in node ? (node.List.items ?? []) : [];
}

type CaseNode = NonNullable<Extract<Node, { CaseExpr: unknown }>['CaseExpr']>;

function compileCase(e: CaseNode, c: (n: Node | undefined) => CompiledExpr): CompiledExpr {
  const subject = e.arg === undefined ? undefined : c(e.arg);
  const whens = (e.args ?? []).map((w) => {
    const body = 'CaseWhen' in w ? w.CaseWhen : {};
    const test = subject ? comparison('=', subject, c(body.expr)) : coerce(c(body.expr), TypeOid.bool);
    return { test, result: c(body.result) };
  });
  const results = unify([...whens.map((w) => w.result), c(e.defresult)]);
  const fallback = results[results.length - 1] as CompiledExpr;
  return {
    typeOid: fallback.typeOid,
    evaluate: (r, p) => {
      for (let i = 0; i < whens.length; i++) {
        if (whens[i]?.test.evaluate(r, p) === true) return results[i]?.evaluate(r, p) ?? null;
      }
      return fallback.evaluate(r, p);
    },
  };
}
