// Runs a MergePlan: from the shards' row streams to the client's rows. Streams where the plan
// allows (k-way merge for ORDER BY, concatenation otherwise, LIMIT stops pulling and closes every
// shard stream); aggregation reads everything first, holding one entry per group.
import { compileAggregation } from './aggregate-rows.js';
import { distinctRows } from './distinct-rows.js';
import { mergeOrdered } from './merge-ordered.js';
import type { MergePlan, TextRow, TextValue } from './merge-plan.js';
import type { MergeRuntime } from './merge-ports.js';
import { resolveRowLimits } from './row-limits.js';
import { columnIndex, rowComparator } from './row-order.js';
import { concatRows, type ShardRowStream } from './shard-streams.js';

/** A column of a RowDescription: the shards' (identical for every shard) or the client's. */
export interface ResultColumn {
  readonly name: string;
  readonly typeOid: number;
}

/** What one execution knows beyond the plan. */
export interface MergeInput {
  /** The shards' RowDescription fields (every shard describes the same columns). */
  readonly fields: readonly ResultColumn[];
  /** Bind parameter values as text (null for NULL), `$1` first. */
  readonly params?: readonly TextValue[];
  /** Parameter type OIDs, for expressions that use parameters. */
  readonly paramTypes?: readonly number[];
  /** Rows per yielded batch; default 256. */
  readonly batchSize?: number;
}

/** One merged read, ready to run. */
export interface MergedRead {
  /** The client's RowDescription: names and types of the merged rows. */
  readonly columns: readonly ResultColumn[];
  /**
   * The merged rows in batches, each row as text values ready for a DataRow. Reads `streams` (one
   * per shard, in any order) and closes them all when done, stopped early, or failing.
   */
  rows(streams: readonly ShardRowStream[]): AsyncGenerator<TextRow[]>;
}

/**
 * Prepares the merge of one execution of a scatter plan. Call it before sending the shard queries:
 * it raises what PostgreSQL would raise before reading a row (negative LIMIT, an expression the merge
 * cannot evaluate), which the shards alone would not.
 *
 * @example
 *   const read = createMerge(scatter.merge, { fields, params }, runtime);
 *   session.sendRowDescription(read.columns);
 *   for await (const batch of read.rows(shardStreams)) for (const row of batch) session.sendDataRow(row);
 * @throws SwitchyardError 2201W / 2201X / 22P02 for bad LIMIT or OFFSET values, 0A000 for what the merge cannot compute.
 */
export function createMerge(plan: MergePlan, input: MergeInput, runtime: MergeRuntime): MergedRead {
  const params = input.params ?? [];
  const limits = resolveRowLimits(plan.limit, plan.offset, params);
  const shardTypes = input.fields.map((f) => f.typeOid);
  const aggregation =
    plan.aggregate && compileAggregation(plan.aggregate, shardTypes, input.paramTypes ?? [], params, runtime);
  // The rows the ORDER BY, DISTINCT and LIMIT steps see: shard rows, or projected group rows.
  const types = aggregation ? aggregation.projectedTypes : shardTypes;
  const width = types.length;
  const visible = width - plan.hidden;
  const columns: ResultColumn[] = plan.aggregate
    ? plan.aggregate.names.map((name, i) => ({ name, typeOid: types[i] ?? 0 }))
    : input.fields.slice(0, visible);
  const compare = rowComparator(plan.order, types, width, runtime.values);
  const distinctColumns =
    plan.distinct === undefined
      ? undefined
      : plan.distinct.kind === 'all'
        ? Array.from({ length: visible }, (_, i) => i)
        : plan.distinct.columns.map((c) => columnIndex(c, width));
  const batchSize = input.batchSize ?? 256;

  async function* ordered(streams: readonly ShardRowStream[]): AsyncGenerator<TextRow> {
    if (aggregation) {
      const rows = await aggregation.run(concatRows(streams));
      // Array.prototype.sort is stable: ties keep arrival order, as any order is PostgreSQL's.
      if (plan.order.length > 0) rows.sort(compare);
      yield* rows;
    } else if (plan.order.length > 0) {
      yield* mergeOrdered(streams, compare);
    } else {
      yield* concatRows(streams);
    }
  }

  async function* rows(streams: readonly ShardRowStream[]): AsyncGenerator<TextRow[]> {
    if (limits.limit === 0n) {
      // Nothing to read: close the streams without pulling a row.
      await Promise.allSettled(streams.map((s) => s[Symbol.asyncIterator]().return?.()));
      return;
    }
    let source = ordered(streams);
    if (distinctColumns) source = distinctRows(source, distinctColumns, types, runtime.values);
    let skip = limits.offset;
    let left = limits.limit;
    let batch: TextRow[] = [];
    for await (const row of source) {
      if (skip > 0n) {
        skip--;
        continue;
      }
      batch.push(plan.hidden > 0 ? row.slice(0, visible) : row);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
      // Leaving the loop closes the source, which closes every shard stream.
      if (left !== undefined && --left === 0n) break;
    }
    if (batch.length > 0) yield batch;
  }

  return { columns, rows };
}
