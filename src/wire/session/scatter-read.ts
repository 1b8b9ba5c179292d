// A cross-shard read: the rewritten statement runs on every shard it needs at once, and the merge
// (router/merge) turns their row streams into the rows one PostgreSQL would return, streamed to the
// client as they come. A shard that fails fails the statement, naming the shard; rows already sent
// are followed by the error, never by a CommandComplete.
import { createMerge, type ResultColumn } from '../../router/merge/execute-merge.js';
import type { TextRow as MergedRow, ScatterPlan } from '../../router/merge/merge-plan.js';
import type { MergeRuntime } from '../../router/merge/merge-ports.js';
import { SqlState } from '../../util/errors.js';
import { encodeCommandComplete, encodeDataRow, encodeRowDescription, type RowField } from '../codec/index.js';
import type { BindParam, SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { SessionOutput } from './session-output.js';
import type { ShardLinks } from './shard-links.js';
import type { ShardPipe } from './shard-pipe.js';
import { type ShardRows, shardRows, type TextRow } from './shard-rows.js';

/** How the client gets the rows. */
export interface ScatterOptions {
  /** Send a RowDescription first (simple protocol; the extended protocol describes on Describe). */
  readonly describe: boolean;
  /** Result formats the client asked for in Bind (only text is supported for merged results). */
  readonly resultFormats: readonly number[];
}

const decoder = new TextDecoder();
const UNKNOWN_OID = 705;

/** The client's RowDescription fields for merged columns (text format, no source table). */
export function mergedRowDescription(columns: readonly ResultColumn[]): Uint8Array {
  const fields: RowField[] = columns.map((c) => ({
    name: c.name,
    tableOid: 0,
    columnNumber: 0,
    typeOid: c.typeOid,
    typeSize: -1,
    typeModifier: -1,
    format: 0,
  }));
  return encodeRowDescription(fields);
}

/** Each shard read to its end before the next is asked, rows held (the baseline parallelism is measured against). */
async function readOneAfterAnother(
  pipes: readonly ShardPipe[],
  sql: string,
  params: readonly BindParam[],
): Promise<ShardRows[]> {
  const reads: ShardRows[] = [];
  for (const pipe of pipes) {
    const read = shardRows(pipe, sql, params);
    const batches: (readonly TextRow[])[] = [];
    for await (const batch of read.rows) batches.push(batch);
    const fields = await read.fields;
    reads.push({
      shard: read.shard,
      fields: Promise.resolve(fields),
      rows: (async function* () {
        yield* batches;
      })(),
      close: async () => {},
    });
  }
  return reads;
}

/** A started cross-shard read: its columns, and its merged rows pulled batch by batch. */
export interface OpenScatter {
  readonly columns: readonly ResultColumn[];
  /** The merged rows; `return()` stops early and reads the shards' remaining answers off their pipes. */
  readonly rows: AsyncGenerator<MergedRow[]>;
}

/**
 * Sends the rewritten statement to every shard it needs and prepares the merge, without reading
 * rows yet (a portal Execute-d with a row limit pulls them a few at a time).
 */
export async function openScatter(
  ctx: SessionContext,
  links: ShardLinks,
  runtime: MergeRuntime,
  scatter: ScatterPlan,
  params: readonly BindParam[],
  resultFormats: readonly number[],
): Promise<OpenScatter> {
  if (resultFormats.some((f) => f === 1)) {
    throw new SessionError(
      SqlState.featureNotSupported,
      'binary results of a cross-shard read are not supported yet; ask for text results',
    );
  }
  const shards =
    scatter.route.type === 'all'
      ? ctx
          .catalog()
          .shards.filter((s) => s.status !== 'inactive')
          .map((s) => s.name)
      : ctx.planner.shardsFor(scatter.route, params);
  const pipes = await Promise.all(shards.map((shard) => links.pipeFor(shard, false)));
  const reads = ctx.sequentialScatter
    ? await readOneAfterAnother(pipes, scatter.sql, params)
    : pipes.map((pipe) => shardRows(pipe, scatter.sql, params));
  try {
    const fields = await reads[0]!.fields;
    const merge = createMerge(
      scatter.merge,
      {
        fields: fields.map((f) => ({ name: f.name, typeOid: f.typeOid })),
        params: params.map((p) =>
          p.value === null ? null : p.format === 0 ? decoder.decode(p.value) : null,
        ),
        // An untyped parameter is an unknown-typed literal to the merge, typed by its context as PostgreSQL does.
        paramTypes: params.map((p) => p.typeOid || UNKNOWN_OID),
      },
      runtime,
    );
    return { columns: merge.columns, rows: merge.rows(reads.map((r) => r.rows)) };
  } catch (error) {
    // Nothing was merged: every shard's answers still have to be read off its connection.
    await Promise.allSettled(reads.map((r) => r.close()));
    throw error;
  }
}

/** Runs a scatter plan with the client's parameters and streams all the merged rows to `out`. */
export async function runScatter(
  ctx: SessionContext,
  links: ShardLinks,
  runtime: MergeRuntime,
  scatter: ScatterPlan,
  params: readonly BindParam[],
  out: SessionOutput,
  options: ScatterOptions,
): Promise<void> {
  const open = await openScatter(ctx, links, runtime, scatter, params, options.resultFormats);
  if (options.describe) out.push(mergedRowDescription(open.columns));
  let count = 0;
  for await (const batch of open.rows) {
    for (const row of batch) out.push(encodeDataRow(row));
    count += batch.length;
    await out.relieve();
  }
  out.push(encodeCommandComplete(`SELECT ${count}`));
}
