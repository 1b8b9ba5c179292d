// The merge's expression evaluation backed by src/sql/expr (compileExpr): rows and parameters
// arrive as text, so values are parsed by their column and parameter types before evaluation and
// the result printed as PostgreSQL prints its type.
import { compileExpr } from '../../sql/expr/compile-expr.js';
import { columnScope } from '../../sql/expr/compiled-expr.js';
import { pgType } from '../../sql/values/pg-type.js';
import type { PgValue } from '../../sql/values/pg-value.js';
import { TypeOid } from '../../sql/values/type-oids.js';
import type { TextValue } from './merge-plan.js';
import type { MergeExpressions, MergeRuntime } from './merge-ports.js';
import { pgMergeValues } from './pg-merge-values.js';

// A bare string literal is typed `unknown` (705); as a result it prints as text.
const UNKNOWN = 705;

function parseAll(texts: readonly TextValue[], types: readonly number[]): PgValue[] {
  return texts.map((t, i) => (t === null ? null : pgType(types[i] ?? TypeOid.text).parse(t)));
}

/** MergeExpressions over compileExpr. */
export const pgMergeExpressions: MergeExpressions = {
  compile(node, columns, paramTypes) {
    const compiled = compileExpr(node, columnScope(columns, paramTypes));
    const resultType = compiled.typeOid === UNKNOWN ? TypeOid.text : compiled.typeOid;
    const type = pgType(resultType);
    const columnTypes = columns.map((c) => c.typeOid);
    return {
      typeOid: resultType,
      evaluate(row, params) {
        const value = compiled.evaluate(parseAll(row, columnTypes), parseAll(params, paramTypes));
        return value === null ? null : type.format(value);
      },
    };
  },
};

/** The merge runtime of the real value library and expression compiler. */
export const pgMergeRuntime: MergeRuntime = { values: pgMergeValues, expressions: pgMergeExpressions };
