// Statements that run on every shard: DDL of sharded and reference tables (so every shard has the
// same schema; with two-phase commit, atomically), and COPY … TO STDOUT of a sharded table (every
// shard's rows, one stream). A sharded
// table created through Switchyard also gets, on each shard, a CHECK constraint that admits only the
// keys that shard owns, and its shard key types are recorded in the catalog.

import type { KeyType } from '../../keyspace/key-type.js';
import type { Frame } from '../../protocol/message-framer.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { quoteQualified } from '../../sql/quote-ident.js';
import { encodeCommandComplete } from '../codec/index.js';
import { queryMessage } from './frontend-messages.js';
import { errorMessageOf, type InternalResult, runInternal } from './internal-query.js';
import type { SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { ShardLinks } from './shard-links.js';
import { B, type ShardPipe } from './shard-pipe.js';
import { inTransaction } from './transaction-control.js';

const decoder = new TextDecoder();

/** Active shards, in catalog order. */
function activeShards(ctx: SessionContext): string[] {
  return ctx
    .catalog()
    .shards.filter((s) => s.status !== 'inactive')
    .map((s) => s.name);
}

/**
 * Runs a DDL or utility statement on every shard, one after the other. The first shard's notices and
 * command tag go to the client. A failure on a later shard says which shards already changed.
 */
export async function runOnAllShards(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  send: (bytes: Uint8Array) => void,
): Promise<void> {
  if (ctx.transactions && runsInTransactionBlock(plan)) {
    await runAtomically(ctx, links, plan, send);
    return;
  }
  if (links.transaction) {
    throw new SessionError(
      '0A000',
      ctx.transactions
        ? 'this statement cannot run inside a transaction block, so Switchyard runs it on each shard on its own'
        : 'a statement that changes every shard cannot run inside a transaction block without two-phase commit',
      { hint: 'run it outside BEGIN … COMMIT' },
    );
  }
  const shards = activeShards(ctx);
  const created = plan.ddl?.checkTable;
  const keyTypes = created ? await keyTypesAfterCreate(ctx, links, plan, shards[0]!) : undefined;
  const done: string[] = created ? [shards[0]!] : [];
  let first: InternalResult | undefined;
  for (const shard of shards.slice(done.length)) {
    const pipe = await links.pipeFor(shard, false);
    const sql =
      created && keyTypes ? `${plan.sql}; ${ctx.planner.rangeCheckSql(created, shard, keyTypes)}` : plan.sql;
    const result = await runInternal(pipe, sql);
    if (result.error) throw partialFailure(plan, shard, done, result.error);
    first ??= result;
    done.push(shard);
  }
  if (created && keyTypes) await ctx.learnKeyTypes(created, keyTypes);
  for (const frame of first?.frames ?? []) {
    if (frame.type === B.noticeResponse) send(frame.raw);
  }
  const tag = first?.tags[0] ?? tagOf(plan);
  send(encodeCommandComplete(tag));
}

/** DDL PostgreSQL runs inside a transaction block (and PREPARE TRANSACTION accepts afterwards). */
function runsInTransactionBlock(plan: StatementPlan): boolean {
  return (
    plan.kind === 'ddl' &&
    !/\bconcurrently\b/i.test(plan.sql) &&
    !/\btemp(orary)?\b/i.test(plan.sql) &&
    !/^\s*(vacuum|(create|drop)\s+(database|tablespace)|alter\s+system|reindex\s+(system|database))\b/i.test(
      plan.sql,
    )
  );
}

/**
 * DDL on every shard in one transaction committed with two-phase commit (the client's transaction,
 * if one is open): every shard changes its schema, or none does. A sharded table created this way
 * gets its range CHECK on each shard in the same transaction.
 */
async function runAtomically(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  send: (bytes: Uint8Array) => void,
): Promise<void> {
  const created = plan.ddl?.checkTable;
  let keyTypes: KeyType[] | undefined;
  let first: InternalResult | undefined;
  await inTransaction(links, async () => {
    for (const shard of activeShards(ctx)) {
      const pipe = await links.pipeFor(shard, true);
      const result = await runInternal(pipe, plan.sql);
      if (result.error) throw shardFailure(shard, result.error);
      first ??= result;
      if (!created) continue;
      keyTypes ??= await readKeyTypes(ctx, pipe, created);
      const checked = await runInternal(pipe, ctx.planner.rangeCheckSql(created, shard, keyTypes));
      if (checked.error) throw shardFailure(shard, checked.error);
    }
  });
  if (created && keyTypes) await ctx.learnKeyTypes(created, keyTypes);
  for (const frame of first?.frames ?? []) if (frame.type === B.noticeResponse) send(frame.raw);
  send(encodeCommandComplete(first?.tags[0] ?? tagOf(plan)));
}

/** The shard key column types of `table`, just created on the pipe's shard (same transaction). */
async function readKeyTypes(ctx: SessionContext, pipe: ShardPipe, table: string): Promise<KeyType[]> {
  const rule = ctx.catalog().tables[table];
  if (rule?.kind !== 'sharded')
    throw new SessionError('XX000', `table ${table} is not sharded in the catalog`);
  const columns = rule.shardKey.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  const read = await runInternal(
    pipe,
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a ` +
      `WHERE a.attrelid = '${quoteQualified(table).replaceAll("'", "''")}'::regclass AND a.attname IN (${columns}) AND NOT a.attisdropped`,
  );
  if (read.error) throw shardFailure(pipe.shard, read.error);
  const typeByColumn = new Map(read.rows.map((r) => [r[0] ?? '', r[1] ?? '']));
  return rule.shardKey.map((column) => {
    const type = typeByColumn.get(column);
    if (!type)
      throw new SessionError(
        '42703',
        `shard key column "${column}" of table ${table} is missing from CREATE TABLE`,
      );
    return ctx.planner.keyTypeOf(type);
  });
}

function shardFailure(shard: string, frame: Frame): SessionError {
  const e = errorMessageOf(frame);
  return new SessionError(e.code, `shard ${shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
}

/**
 * Creates a sharded table on the first shard inside a transaction, reads back its shard key's column
 * types, adds the range CHECK constraint and commits: the key types decide the constraint's SQL.
 */
async function keyTypesAfterCreate(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  shard: string,
) {
  const table = plan.ddl!.checkTable!;
  const rule = ctx.catalog().tables[table];
  if (rule?.kind !== 'sharded')
    throw new SessionError('XX000', `table ${table} is not sharded in the catalog`);
  const pipe = await links.pipeFor(shard, false);
  const columns = rule.shardKey.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ');
  const created = await runInternal(
    pipe,
    `BEGIN; ${plan.sql}; SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a ` +
      `WHERE a.attrelid = '${quoteQualified(table).replaceAll("'", "''")}'::regclass AND a.attname IN (${columns}) AND NOT a.attisdropped`,
  );
  if (created.error) {
    await runInternal(pipe, 'ROLLBACK');
    const e = errorMessageOf(created.error);
    throw new SessionError(e.code, e.message, e.hint ? { hint: e.hint } : {});
  }
  const typeByColumn = new Map(created.rows.map((r) => [r[0] ?? '', r[1] ?? '']));
  try {
    const keyTypes = rule.shardKey.map((column) => {
      const type = typeByColumn.get(column);
      if (!type)
        throw new SessionError(
          '42703',
          `shard key column "${column}" of table ${table} is missing from CREATE TABLE`,
        );
      return ctx.planner.keyTypeOf(type);
    });
    const checked = await runInternal(pipe, `${ctx.planner.rangeCheckSql(table, shard, keyTypes)}; COMMIT`);
    if (checked.error)
      throw new SessionError(errorMessageOf(checked.error).code, errorMessageOf(checked.error).message);
    return keyTypes;
  } catch (error) {
    await runInternal(pipe, 'ROLLBACK');
    throw error;
  }
}

function partialFailure(
  plan: StatementPlan,
  shard: string,
  done: readonly string[],
  frame: Frame,
): SessionError {
  const e = errorMessageOf(frame);
  if (done.length === 0) return new SessionError(e.code, e.message, e.hint ? { hint: e.hint } : {});
  return new SessionError(
    e.code,
    `${tagOf(plan)} failed on shard ${shard} after it succeeded on ${done.join(', ')}: ${e.message}`,
    {
      hint:
        `the shards' schemas now differ; fix the cause and run the statement again with IF NOT EXISTS / IF EXISTS ` +
        `so the shards that already have it are left alone, or undo it on ${done.join(', ')}`,
    },
  );
}

function tagOf(plan: StatementPlan): string {
  const words = plan.sql.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase();
  return words.replace(/;$/, '');
}

/**
 * COPY … TO STDOUT of a sharded table: each shard's COPY in turn, relayed as one COPY (one
 * CopyOutResponse, every shard's CopyData, one CopyDone) with the row counts summed. Rows stream
 * through; nothing is held.
 */
export async function copyOutOfAllShards(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  send: (bytes: Uint8Array) => void,
): Promise<void> {
  const shards = activeShards(ctx);
  let rows = 0;
  for (const [i, shard] of shards.entries()) {
    const pipe = await links.pipeFor(shard, false);
    const last = i === shards.length - 1;
    pipe.send(queryMessage(plan.sql), 'query', 'relay');
    pipe.flush();
    const outcome = await pipe.drain((frame) => {
      if (frame.type === B.copyOutResponse) {
        if (i === 0) send(frame.raw);
      } else if (frame.type === B.copyDone) {
        if (last) send(frame.raw);
      } else if (frame.type === B.commandComplete) {
        rows += Number(decoder.decode(frame.body.subarray(0, frame.body.length - 1)).split(' ')[1] ?? 0);
      } else if (frame.type !== B.errorResponse) {
        send(frame.raw);
      }
    });
    if (outcome.error) throw partialCopyFailure(shard, outcome.error);
  }
  send(encodeCommandComplete(`COPY ${rows}`));
}

function partialCopyFailure(shard: string, frame: Frame): SessionError {
  const e = errorMessageOf(frame);
  return new SessionError(e.code, `COPY failed on shard ${shard}: ${e.message}`);
}
