// What the merge needs from PostgreSQL's value semantics (src/sql/values) and from the expression
// compiler (src/sql/expr), as two small interfaces: the merge core stays pure and testable, and the
// session passes the real implementations.
import type { Node } from 'libpg-query';
import type { MergeAggregateName, TextRow, TextValue } from './merge-plan.js';

/** Finishes one aggregate of one group: values in, the aggregate's text out. */
export interface AggregateAccumulator {
  /** One input: a partial result (its columns in `MergeAggregate.partials` order) or one raw value. */
  add(values: TextRow): void;
  /** The aggregate's value, as PostgreSQL would print it. */
  result(): TextValue;
}

/** Makes accumulators of one aggregate for one input type, and knows its result type. */
export interface AggregateCombiner {
  /** The type OID PostgreSQL gives the aggregate's result (count → int8, avg(int4) → numeric). */
  readonly resultType: number;
  create(): AggregateAccumulator;
}

/** PostgreSQL value semantics over text values, by type OID. */
export interface MergeValues {
  /** Orders two non-NULL values of one type as PostgreSQL would (text by `collation`, or the database's). */
  compare(typeOid: number, a: string, b: string, collation?: string): number;
  /** A string equal for two values exactly when GROUP BY / DISTINCT puts them together (1.0 and 1.00). */
  groupKey(typeOid: number, value: string): string;
  /**
   * Re-aggregates partial results: `partialTypes` are the types of the shard columns carrying them
   * (sum(int4) arrives as int8 and stays int8; avg arrives as sum and count).
   */
  combinePartials(
    name: MergeAggregateName,
    partialTypes: readonly number[],
    star: boolean,
  ): AggregateCombiner;
  /** Aggregates raw values of `argType` (the distinct values of count(DISTINCT x) and the like). */
  aggregateValues(name: MergeAggregateName, argType: number): AggregateCombiner;
}

/** A column an expression may reference by name. */
export interface ExprColumn {
  readonly name: string;
  readonly typeOid: number;
}

/** An expression compiled for evaluation over rows. */
export interface CompiledMergeExpr {
  readonly typeOid: number;
  evaluate(row: TextRow, params: readonly TextValue[]): TextValue;
}

/** The expression compiler: PostgreSQL semantics over a row of named, typed columns. */
export interface MergeExpressions {
  /** @throws when the expression uses something the compiler cannot evaluate. */
  compile(node: Node, columns: readonly ExprColumn[], paramTypes: readonly number[]): CompiledMergeExpr;
}

/** Everything a merge depends on. */
export interface MergeRuntime {
  readonly values: MergeValues;
  readonly expressions: MergeExpressions;
}
