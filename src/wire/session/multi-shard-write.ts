// A write that changes several shards (router/multi-shard-write.ts planned which): it runs on each
// shard inside the session's transaction, or in a transaction of its own that commits with two-phase
// commit before the client hears the command tag, so it changes every shard or none. Rows a
// RETURNING clause gives come back from each shard in the client's formats; for a reference table
// every shard returns the same rows, so only the first shard's rows and tag are the client's.
import type { InsertStmt, Node } from 'libpg-query';
import { serialize } from 'pg-protocol';
import type { Frame } from '../../protocol/message-framer.js';
import { sqlText } from '../../router/merge/sql-text.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { nodeBody } from '../../sql/ast-nodes.js';
import { parseSql } from '../../sql/parse-sql.js';
import { SqlState } from '../../util/errors.js';
import { decodeCommandComplete, encodeCommandComplete } from '../codec/index.js';
import { SYNC } from './frontend-messages.js';
import { errorMessageOf } from './internal-query.js';
import type { BindParam, SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { SessionOutput } from './session-output.js';
import type { ShardLinks } from './shard-links.js';
import { B } from './shard-pipe.js';
import { parameterTypes } from './shard-rows.js';
import { inTransaction } from './transaction-control.js';

/** How the client gets the answer. */
export interface MultiWriteOptions {
  /** Send the RowDescription of RETURNING rows (simple protocol). */
  readonly describe: boolean;
  readonly resultFormats: readonly number[];
}

const decoder = new TextDecoder();

/** True when `plan` writes to more than one shard with these parameters. */
export function writesSeveralShards(
  ctx: SessionContext,
  plan: StatementPlan,
  params: readonly BindParam[],
): boolean {
  const write = plan.multiWrite;
  if (!write) return false;
  if (write.kind === 'every') return true;
  return ctx.planner.shardsFor(plan.route, params).length > 1;
}

/** The SQL each shard runs. */
function shardStatements(
  ctx: SessionContext,
  plan: StatementPlan,
  params: readonly BindParam[],
): Map<string, string> {
  const write = plan.multiWrite!;
  const out = new Map<string, string>();
  if (write.kind === 'every' || write.kind === 'keys') {
    const shards =
      write.kind === 'keys'
        ? ctx.planner.shardsFor(plan.route, params)
        : ctx
            .catalog()
            .shards.filter((s) => s.status !== 'inactive')
            .map((s) => s.name);
    for (const shard of shards) out.set(shard, plan.sql);
    return out;
  }
  // Each shard gets an INSERT of its own VALUES rows (the rest of the statement unchanged).
  const rowsOf = new Map<string, number[]>();
  write.rows.forEach((key, i) => {
    const [shard] = ctx.planner.shardsFor({ type: 'shard-key', table: write.table, keys: [key] }, params);
    if (shard === undefined) return;
    const list = rowsOf.get(shard) ?? [];
    list.push(i);
    rowsOf.set(shard, list);
  });
  const statement = parseSql(plan.sql)[0]!;
  const insert = nodeBody(statement.ast, 'InsertStmt') as InsertStmt;
  const values = nodeBody(insert.selectStmt, 'SelectStmt')?.valuesLists ?? [];
  for (const [shard, rows] of rowsOf) {
    const select = { ...nodeBody(insert.selectStmt, 'SelectStmt'), valuesLists: rows.map((i) => values[i]) };
    out.set(shard, sqlText({ InsertStmt: { ...insert, selectStmt: { SelectStmt: select } } } as Node));
  }
  return out;
}

/**
 * Runs `plan` on the shards it writes to and sends the client its rows and command tag.
 *
 * @throws SessionError 0A000 when the cluster has no two-phase commit; the shard's error (named)
 *   when a shard fails, after which the transaction is rolled back everywhere (or, inside the
 *   client's transaction, aborted).
 */
export async function runMultiShardWrite(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  params: readonly BindParam[],
  out: SessionOutput,
  options: MultiWriteOptions,
): Promise<void> {
  if (!ctx.transactions) {
    throw new SessionError(
      SqlState.featureNotSupported,
      'this write changes several shards, which needs two-phase commit: this cluster has no coordinator',
      { hint: 'give the shard key of one shard in WHERE (or the VALUES of one shard)' },
    );
  }
  if (!links.transaction && links.batchWriteShard !== undefined) {
    throw new SessionError(
      SqlState.featureNotSupported,
      `this batch already wrote to shard ${links.batchWriteShard} without BEGIN; a write across shards must be the batch's only write`,
      { hint: 'wrap the batch in BEGIN … COMMIT' },
    );
  }
  const formats = options.resultFormats;
  const binary = formats.length > 0 && formats.every((f) => f === 1);
  if (!binary && formats.some((f) => f !== 0)) {
    throw new SessionError(
      SqlState.featureNotSupported,
      'a write across shards returns its rows all in text or all in binary, not per column',
      { hint: 'ask for one result format for every column' },
    );
  }
  const statements = shardStatements(ctx, plan, params);
  const reference = plan.multiWrite?.kind === 'every' && plan.multiWrite.table === 'reference';
  const rows: Uint8Array[] = [];
  let description: Uint8Array | undefined;
  let count = 0;
  let verb = '';
  await inTransaction(links, async () => {
    let first = true;
    for (const [shard, sql] of statements) {
      const pipe = await links.pipeFor(shard, true);
      const frames: Frame[] = [];
      pipe.send(serialize.parse({ text: sql, types: parameterTypes(sql, params) }), 'parse', 'internal', {
        collect: frames,
      });
      pipe.send(
        serialize.bind({
          values: params.map((p) =>
            p.value === null ? null : p.format === 1 ? Buffer.from(p.value) : decoder.decode(p.value),
          ),
          valueMapper: (v: unknown) => v,
          binary,
        }),
        'bind',
        'internal',
        { collect: frames },
      );
      pipe.send(serialize.describe({ type: 'P', name: '' }), 'describe-portal', 'internal', {
        collect: frames,
      });
      pipe.send(serialize.execute({}), 'execute', 'internal', { collect: frames });
      pipe.send(SYNC, 'sync', 'internal', { collect: frames });
      pipe.flush();
      const outcome = await pipe.drain(() => {});
      if (outcome.error) {
        const e = errorMessageOf(outcome.error);
        throw new SessionError(e.code, `shard ${shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
      }
      for (const frame of frames) {
        if (frame.type === B.rowDescription && first) description = frame.raw.slice();
        else if (frame.type === B.dataRow && (first || !reference)) rows.push(frame.raw.slice());
        else if (frame.type === B.commandComplete) {
          const tag = decodeCommandComplete(frame);
          const n = Number(tag.split(' ').at(-1));
          verb = tag.slice(0, tag.lastIndexOf(' '));
          if (first || !reference) count += n;
        }
      }
      first = false;
    }
  });
  if (options.describe && description) out.push(description);
  for (const row of rows) out.push(row);
  out.push(encodeCommandComplete(`${verb} ${count}`));
}
