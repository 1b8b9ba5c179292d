// Recognising aggregate calls: the ones the merge can finish (count, sum, min, max, avg, bool_and,
// bool_or, every) and the built-in ones it cannot (array_agg, string_agg, stddev, …), which must be
// refused rather than mistaken for plain functions and concatenated per shard.
import type { FuncCall, Node } from 'libpg-query';
import { stringsOf } from '../../sql/ast-nodes.js';
import { walkNodes } from '../../sql/walk-nodes.js';
import type { MergeAggregateName } from './merge-plan.js';

const MERGEABLE: Readonly<Record<string, MergeAggregateName>> = {
  count: 'count',
  sum: 'sum',
  min: 'min',
  max: 'max',
  avg: 'avg',
  bool_and: 'bool_and',
  bool_or: 'bool_or',
  every: 'bool_and',
};

// Built-in aggregates whose partial results cannot be combined exactly (order-dependent, or
// statistics the merge does not implement yet).
const OTHER_AGGREGATES = new Set([
  'array_agg',
  'string_agg',
  'json_agg',
  'jsonb_agg',
  'json_object_agg',
  'jsonb_object_agg',
  'json_agg_strict',
  'jsonb_agg_strict',
  'json_objectagg',
  'json_arrayagg',
  'xmlagg',
  'bit_and',
  'bit_or',
  'bit_xor',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'covar_pop',
  'covar_samp',
  'corr',
  'regr_avgx',
  'regr_avgy',
  'regr_count',
  'regr_intercept',
  'regr_r2',
  'regr_slope',
  'regr_sxx',
  'regr_sxy',
  'regr_syy',
  'percentile_cont',
  'percentile_disc',
  'mode',
  'range_agg',
  'range_intersect_agg',
  'any_value',
  'grouping',
]);

/** The call's function name, lower-cased as parsed, without its schema. */
export function functionName(call: FuncCall): string {
  const parts = stringsOf(call.funcname);
  return parts[parts.length - 1] ?? '';
}

/** What a function call is to the merge. */
export type CallKind =
  | { readonly kind: 'aggregate'; readonly name: MergeAggregateName }
  | { readonly kind: 'unmergeable'; readonly name: string }
  | { readonly kind: 'scalar' };

/** Classifies `call`: an aggregate the merge finishes, one it cannot, or a plain function. */
export function classifyCall(call: FuncCall): CallKind {
  const name = functionName(call);
  if (call.over) return { kind: 'scalar' };
  const mergeable = MERGEABLE[name];
  const schema = stringsOf(call.funcname).slice(0, -1);
  const builtin = schema.length === 0 || schema[0] === 'pg_catalog';
  if (builtin && mergeable !== undefined && !call.agg_order && !call.agg_within_group)
    return { kind: 'aggregate', name: mergeable };
  if ((builtin && (OTHER_AGGREGATES.has(name) || mergeable)) || call.agg_within_group || call.agg_order)
    return { kind: 'unmergeable', name };
  return { kind: 'scalar' };
}

/** True when `root` holds an aggregate call outside subqueries (where it belongs to the subquery). */
export function hasAggregate(root: unknown): boolean {
  let found = false;
  walkNodes(root, (tag, body) => {
    if (tag === 'SubLink' || tag === 'SelectStmt') return false;
    if (tag === 'FuncCall' && classifyCall(body as FuncCall).kind !== 'scalar') found = true;
    if (tag === 'GroupingFunc') found = true;
    return found ? false : undefined;
  });
  return found;
}

/** Every aggregate call in `root` outside subqueries, outermost first (nested aggregates are an error in PostgreSQL). */
export function aggregateCalls(root: Node): FuncCall[] {
  const calls: FuncCall[] = [];
  walkNodes(root, (tag, body) => {
    if (tag === 'SubLink' || tag === 'SelectStmt') return false;
    if (tag === 'FuncCall' && classifyCall(body as FuncCall).kind !== 'scalar') {
      calls.push(body as FuncCall);
      return false;
    }
    return undefined;
  });
  return calls;
}
