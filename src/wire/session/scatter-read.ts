// A cross-shard read: the rewritten statement runs on every shard it needs at once, and the merge
// (router/merge) turns their row streams into the rows one PostgreSQL would return, streamed to the
// client as they come. A shard that fails fails the statement, naming the shard; rows already sent
// are followed by the error, never by a CommandComplete.
import { createMerge, type ResultColumn } from '../../router/merge/execute-merge.js';
import type { TextRow as MergedRow, ScatterPlan } from '../../router/merge/merge-plan.js';
import type { MergeRuntime } from '../../router/merge/merge-ports.js';
import { SqlState } from '../../util/errors.js';
import { encodeCommandComplete, encodeDataRow, encodeRowDescription, type RowField } from '../codec/index.js';
import { columnFormats, paramTexts, type RowEncoder, rowEncoder } from './result-formats.js';
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
  /** Result formats the client asked for in Bind (text, binary, or one per column). */
  readonly resultFormats: readonly number[];
}

const UNKNOWN_OID = 705;

/** The client's RowDescription fields for merged columns (in `formats`, no source table). */
export function mergedRowDescription(
  columns: readonly ResultColumn[],
  formats: readonly (0 | 1)[] = [],
): Uint8Array {
  const fields: RowField[] = columns.map((c, i) => ({
    name: c.name,
    tableOid: 0,
    columnNumber: 0,
    typeOid: c.typeOid,
    typeSize: -1,
    typeModifier: -1,
    format: formats[i] ?? 0,
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
  /** Each column's format, as the client asked in Bind. */
  readonly formats: readonly (0 | 1)[];
  /** The merged rows; `return()` stops early and reads the shards' remaining answers off their pipes. */
  readonly rows: AsyncGenerator<MergedRow[]>;
  /** A merged row as DataRow values in the client's formats. */
  readonly encode: RowEncoder;
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
  const texts = paramTexts(params);
  if (texts.includes(undefined) && mergeUsesParams(scatter)) {
    throw new SessionError(
      SqlState.featureNotSupported,
      'a binary parameter of undeclared type is used by the merge of this cross-shard read',
      { hint: 'declare the parameter types in Parse, or send the parameters in text format' },
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
        params: texts.map((t) => t ?? null),
        // An untyped parameter is an unknown-typed literal to the merge, typed by its context as PostgreSQL does.
        paramTypes: params.map((p) => p.typeOid || UNKNOWN_OID),
      },
      runtime,
    );
    const formats = columnFormats(resultFormats, merge.columns.length);
    const encode = rowEncoder(
      merge.columns.map((c) => c.typeOid),
      formats,
    );
    return { columns: merge.columns, formats, rows: merge.rows(reads.map((r) => r.rows)), encode };
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
  if (options.describe) out.push(mergedRowDescription(open.columns, open.formats));
  let count = 0;
  for await (const batch of open.rows) {
    for (const row of batch) out.push(encodeDataRow(open.encode(row)));
    count += batch.length;
    await out.relieve();
  }
  out.push(encodeCommandComplete(`SELECT ${count}`));
}

const usesParams = new WeakMap<ScatterPlan, boolean>();

/** True when the merge itself reads parameters (LIMIT/OFFSET $n, or $n in expressions it evaluates). */
function mergeUsesParams(scatter: ScatterPlan): boolean {
  let uses = usesParams.get(scatter);
  if (uses === undefined) {
    const merge = scatter.merge;
    uses =
      merge.limit?.kind === 'param' ||
      merge.offset?.kind === 'param' ||
      JSON.stringify(merge.aggregate ?? null).includes('"ParamRef"');
    usesParams.set(scatter, uses);
  }
  return uses;
}
