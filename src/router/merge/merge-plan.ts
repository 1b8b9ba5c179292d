// The merge half of a cross-shard read: what the router does with the rows every shard returns so
// that the client sees exactly what one unsharded PostgreSQL would answer. Built by planScatter,
// frozen and cached with the statement's plan; run by createMerge with the shards' row streams.
import type { Node } from 'libpg-query';
import type { Route } from '../route-plan.js';

/** One value as PostgreSQL's text output sends it; null for SQL NULL. */
export type TextValue = string | null;

/** One row of text values. */
export type TextRow = readonly TextValue[];

/**
 * A column of the shard result. `start` counts from the first column; `end` counts back from the
 * last (0 is the last column): hidden columns are appended after a target list whose width is not
 * known before the shard describes it (`SELECT *`).
 */
export interface ShardColumn {
  readonly from: 'start' | 'end';
  readonly index: number;
}

/** One ORDER BY key over the rows being sorted. */
export interface SortKey {
  /** The column of the rows being sorted: shard columns, or (after aggregation) projected columns. */
  readonly column: ShardColumn;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
  /** `ORDER BY x COLLATE "C"`: the collation to compare with instead of the database default. */
  readonly collation?: string;
}

/** The aggregates the merge can finish from partial results (or from distinct raw values). */
export type MergeAggregateName = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'bool_and' | 'bool_or';

/**
 * One aggregate of a grouped query. `partials` are the shard columns that carry its partial
 * results: one for most, two for avg (sum, count). With `distinct`, the single column carries the
 * aggregate's distinct argument values instead, and the merge aggregates them itself.
 */
export interface MergeAggregate {
  readonly name: MergeAggregateName;
  readonly partials: readonly number[];
  readonly distinct: boolean;
  /** `count(*)`: counts rows, not values (only meaningful with `distinct` false). */
  readonly star: boolean;
}

/**
 * A value computed after re-aggregation from the group row (group keys, carried columns, then one
 * column per aggregate): a column of it, or an expression whose column references name group row columns
 * `__g0`, `__g1`, … (compiled by the expression compiler with those names in scope).
 */
export type MergeExpr =
  | { readonly kind: 'column'; readonly index: number }
  | { readonly kind: 'expr'; readonly node: Node; readonly text: string };

/** GROUP BY and aggregates, finished by the merge. */
export interface AggregateStage {
  /** Shard columns holding the group keys (first in the shard row, in GROUP BY order). */
  readonly groupKeys: readonly number[];
  /**
   * Shard columns the same for every row of a group (expressions of the group keys, such as a + 1
   * when grouping by a): the merge keeps the first row's value. They follow the keys in the group row.
   */
  readonly carried: readonly number[];
  readonly aggregates: readonly MergeAggregate[];
  /** True when the query has aggregates but no GROUP BY: one row even for no input rows. */
  readonly implicitGroup: boolean;
  /** HAVING over the group row, when it could not be pushed to the shards. */
  readonly having?: MergeExpr;
  /** The projected row: visible output columns, then hidden sort and DISTINCT ON columns. */
  readonly projection: readonly MergeExpr[];
  /** Client-facing names of the visible projected columns. */
  readonly names: readonly string[];
}

/** `LIMIT` / `OFFSET`: absent, a constant, or parameter `$index`. */
export type CountSource =
  | { readonly kind: 'const'; readonly value: string | null }
  | { readonly kind: 'param'; readonly index: number };

/** How to turn the shards' rows into the client's rows. Frozen; shared by every session. */
export interface MergePlan {
  /** Hidden columns at the end of the shard rows (or of the projected rows after aggregation). */
  readonly hidden: number;
  /** Re-aggregation, when the query aggregates across groups that span shards. */
  readonly aggregate?: AggregateStage;
  /** ORDER BY over shard rows (or projected rows); empty for none. */
  readonly order: readonly SortKey[];
  /** DISTINCT over the visible columns, or DISTINCT ON these columns (keep the first row per key). */
  readonly distinct?:
    | { readonly kind: 'all' }
    | { readonly kind: 'on'; readonly columns: readonly ShardColumn[] };
  readonly limit?: CountSource;
  readonly offset?: CountSource;
}

/** A SELECT answered by sending `sql` to several shards and merging their rows with `merge`. */
export interface ScatterPlan {
  /** The statement each shard runs; parameters keep their numbers, so the client's values bind as they are. */
  readonly sql: string;
  /**
   * Which shards: `all` (every active shard), or `shard-key` when an IN list or OR of shard keys
   * pins the rows to the shards those keys resolve to (resolved per execution, like any route).
   */
  readonly route: Extract<Route, { type: 'all' } | { type: 'shard-key' }>;
  readonly merge: MergePlan;
}
