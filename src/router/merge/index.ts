// The cross-shard read surface for the session: plan a scatter, then merge the shards' rows.
export { createMerge, type MergedRead, type MergeInput, type ResultColumn } from './execute-merge.js';
export type { MergePlan, ScatterPlan, SortKey, TextRow, TextValue } from './merge-plan.js';
export type {
  AggregateAccumulator,
  AggregateCombiner,
  CompiledMergeExpr,
  ExprColumn,
  MergeExpressions,
  MergeRuntime,
  MergeValues,
} from './merge-ports.js';
export { pgMergeExpressions, pgMergeRuntime } from './pg-merge-expressions.js';
export { pgMergeValues } from './pg-merge-values.js';
export { planScatter } from './plan-scatter.js';
export type { ShardRowStream } from './shard-streams.js';
