// What compileExpr produces and consumes: a compiled expression (an evaluator with PostgreSQL's
// result type) and the scope that resolves column references to row positions.
import { SwitchyardError } from '../../util/errors.js';
import type { PgValue } from '../values/pg-value.js';

/** Evaluates a compiled expression over one row and the statement's parameters ($1 is params[0]). */
export type Evaluate = (row: readonly PgValue[], params: readonly PgValue[]) => PgValue;

/** A compiled expression: its PostgreSQL result type and its evaluator. */
export interface CompiledExpr {
  /** The result type OID as PostgreSQL would type the expression (705 for a bare string literal). */
  readonly typeOid: number;
  readonly evaluate: Evaluate;
  /** For a string literal: its text, so the context can coerce it (PostgreSQL's "unknown" type). */
  readonly literalText?: string;
}

/** A column the scope exposes: its position in the row and its type. */
export interface ScopeColumn {
  readonly index: number;
  readonly typeOid: number;
}

/** Resolves column references and types parameters. */
export interface ExprScope {
  /** The column a (possibly qualified) name refers to, or undefined when there is none. */
  resolveColumn(names: readonly string[]): ScopeColumn | undefined;
  /** Parameter types by position ($1 is paramTypes[0]); a missing entry types the parameter as text. */
  readonly paramTypes?: readonly number[];
}

/**
 * A scope over named columns: row index i holds columns[i]; a qualified name matches on its last
 * part. Duplicate names resolve to the first.
 *
 * @example
 *   compileExpr(ast, columnScope([{ name: 'a', typeOid: 23 }]));
 */
export function columnScope(
  columns: readonly { name: string; typeOid: number }[],
  paramTypes?: readonly number[],
): ExprScope {
  return {
    resolveColumn(names) {
      const name = names[names.length - 1];
      const index = columns.findIndex((c) => c.name === name);
      const column = columns[index];
      return column ? { index, typeOid: column.typeOid } : undefined;
    },
    ...(paramTypes ? { paramTypes } : {}),
  };
}

/** The error for any construct the compiler does not evaluate (the caller then refuses the query). */
export function unsupportedExpr(construct: string): SwitchyardError {
  return new SwitchyardError(
    '0A000',
    `${construct} is not supported in an expression Switchyard evaluates across shards; run the query on one shard`,
  );
}
