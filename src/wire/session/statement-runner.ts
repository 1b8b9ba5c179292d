// Runs whole statements for a session — a simple-protocol query string, or an extended-protocol
// portal the session answers itself — and owns the bookkeeping of forwarding: which shard pipe owes
// answers in the current batch, relaying them in order, and what an error means for the batch.
import type { ScatterPlan } from '../../router/merge/merge-plan.js';
import { pgMergeRuntime } from '../../router/merge/pg-merge-expressions.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { SqlState } from '../../util/errors.js';
import { encodeCommandComplete, encodeEmptyQueryResponse, encodeNoticeResponse } from '../codec/index.js';
import { copyOutOfAllShards, runOnAllShards } from './all-shards.js';
import { CopyIn, type CopyInProgress } from './copy-in.js';
import { explain } from './explain.js';
import { FLUSH, queryMessage } from './frontend-messages.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import { type MultiWriteOptions, runMultiShardWrite, writesSeveralShards } from './multi-shard-write.js';
import { type OpenScatter, openScatter, runScatter } from './scatter-read.js';
import type { BindParam, SessionContext } from './session-context.js';
import { errorResponseFor, SessionError } from './session-error.js';
import type { SessionOutput } from './session-output.js';
import type { ShardLinks } from './shard-links.js';
import type { DrainOutcome, ShardPipe } from './shard-pipe.js';
import { controlTransaction, inTransaction } from './transaction-control.js';

/** Statement kinds forwarded to one shard as they are. */
export const forwardable: ReadonlySet<string> = new Set([
  'select',
  'insert',
  'update',
  'delete',
  'show',
  'utility',
  'copy-out',
]);

/** Where one execution of a statement goes: one shard, or a scatter-gather over several. */
export type Target =
  | { readonly kind: 'shard'; readonly shard: string }
  | { readonly kind: 'scatter'; readonly scatter: ScatterPlan }
  /** A write across shards (runMultiShardWrite). */
  | { readonly kind: 'multi' };

/** A shard's error already went to the client: stop the query string without another error. */
class AlreadyReported extends Error {}

export class StatementRunner {
  /** The pipe that owes answers in the current batch, if any. */
  #current: ShardPipe | undefined;
  /** An error in this extended-protocol batch: skip messages until Sync. */
  skipping = false;
  /** A COPY FROM STDIN the last statement started, which now receives the client's messages. */
  copy: CopyInProgress | undefined;

  constructor(
    private readonly ctx: SessionContext,
    private readonly links: ShardLinks,
    private readonly out: SessionOutput,
    /** Forgets the client's prepared statement `name` (all when null); false when there is none. */
    private readonly deallocate: (name: string | null) => boolean,
  ) {}

  /** Runs a simple-protocol query string; errors go to the client (ReadyForQuery is the caller's). */
  async runQuery(sql: string): Promise<void> {
    this.skipping = false;
    try {
      const plans = this.ctx.planner.plan(sql);
      if (plans.length === 0 || (plans.length === 1 && plans[0]!.kind === 'empty')) {
        this.out.push(encodeEmptyQueryResponse());
      } else if (!(await this.#forwardWhole(sql, plans))) await this.#runEach(plans);
    } catch (error) {
      this.noteError();
      if (!(error instanceof AlreadyReported)) this.out.push(errorResponseFor(error));
    }
    this.endBatch();
  }

  /**
   * A query string whose statements all go to one shard is forwarded whole, so a multi-statement
   * string keeps its one implicit transaction there.
   */
  async #forwardWhole(sql: string, plans: readonly StatementPlan[]): Promise<boolean> {
    let target: string | undefined;
    for (const plan of plans) {
      if (!forwardable.has(plan.kind) || plan.route.type === 'all' || plan.explain) return false;
      const where = this.target(plan, []);
      if (where.kind !== 'shard') return false;
      if (target !== undefined && where.shard !== target) return false;
      target = where.shard;
    }
    if (this.links.transaction?.status === 'E') return false;
    const pipe = await this.pipeFor(
      target!,
      plans.some((p) => p.writes),
    );
    await this.#relayQuery(pipe, sql);
    return true;
  }

  /**
   * Runs the statements of a query string one by one (they go to different shards, or need the
   * session). PostgreSQL runs such a string as one implicit transaction: without an explicit one,
   * the runner opens one over the shards the statements reach and commits it at the end, or rolls it
   * back at the first error. Writes to more than one shard are refused before anything runs.
   */
  async #runEach(plans: readonly StatementPlan[]): Promise<void> {
    const writeShards = new Set<string>();
    for (const plan of plans) {
      // (A COPY FROM STDIN finds its shard from its rows, later.)
      if (plan.multiWrite && writesSeveralShards(this.ctx, plan, [])) {
        for (const shard of this.ctx.planner.shardsFor(plan.route, [])) writeShards.add(shard);
        writeShards.add('(several)');
      } else if (plan.writes && forwardable.has(plan.kind) && plan.route.type !== 'all') {
        writeShards.add(this.shardOf(plan, []));
      }
    }
    if (writeShards.size > 1 && !this.ctx.transactions) {
      throw new SessionError(
        SqlState.featureNotSupported,
        `this query string writes to shards ${[...writeShards].join(', ')}; writes across shards need distributed transactions, which are not supported yet`,
        { hint: 'send the writes of each shard key in a separate query string' },
      );
    }
    const implicit =
      plans.length > 1 &&
      !this.links.transaction &&
      plans.every((p) => p.route.type !== 'transaction' && p.route.type !== 'all' && p.kind !== 'copy-in');
    if (!implicit) {
      for (const plan of plans) await this.runStatement(plan);
      return;
    }
    await inTransaction(this.links, async () => {
      for (const plan of plans) await this.runStatement(plan);
    });
  }

  /** Runs one whole statement (of a query string, or a portal the session answers itself). */
  async runStatement(plan: StatementPlan): Promise<void> {
    this.checkNotAborted(plan);
    const route = plan.route;
    if (route.type === 'refused') {
      throw new SessionError(route.code, route.message, route.hint ? { hint: route.hint } : {});
    }
    if (route.type === 'transaction') {
      const reply = await controlTransaction(this.links, route.action, plan.sql);
      if (reply.warning) this.out.push(encodeNoticeResponse(reply.warning));
      this.out.push(encodeCommandComplete(reply.tag));
      return;
    }
    const push = (bytes: Uint8Array) => this.out.push(bytes);
    switch (plan.kind) {
      case 'set':
        return this.#set(plan);
      case 'deallocate': {
        // The client's prepared statements are the session's; their shard-side twins stay cached.
        const name = plan.deallocate?.name ?? null;
        if (!this.deallocate(name) && name !== null) {
          throw new SessionError('26000', `prepared statement "${name}" does not exist`);
        }
        this.out.push(encodeCommandComplete(name === null ? 'DEALLOCATE ALL' : 'DEALLOCATE'));
        return;
      }
      case 'empty':
        this.out.push(encodeEmptyQueryResponse());
        return;
      case 'copy-in':
        this.copy = await CopyIn.start(this.ctx, this.links, plan, push);
        return;
    }
    if (plan.multiWrite && writesSeveralShards(this.ctx, plan, [])) {
      await this.multiWrite(plan, [], { describe: true, resultFormats: [] });
      return;
    }
    if (route.type === 'all') {
      if (plan.kind === 'copy-out') await copyOutOfAllShards(this.ctx, this.links, plan, push);
      else await runOnAllShards(this.ctx, this.links, plan, push);
      return;
    }
    const where = this.target(plan, []);
    if (plan.explain) {
      await this.settle(true);
      await explain(this.ctx, this.links, plan, where, this.out);
      return;
    }
    if (where.kind === 'scatter') {
      await this.scatter(where.scatter, [], { describe: true, resultFormats: [] });
      return;
    }
    if (where.kind === 'multi') {
      await this.multiWrite(plan, [], { describe: true, resultFormats: [] });
      return;
    }
    const pipe = await this.pipeFor(where.shard, plan.writes);
    await this.#relayQuery(pipe, plan.sql);
    if (
      route.type === 'shard' &&
      plan.kind === 'ddl' &&
      /^\s*create\s+(unlogged\s+)?table\b/i.test(plan.sql)
    ) {
      // A newcomer's CREATE TABLE must not surprise them: say where an unnamed table lives.
      this.out.insertBeforeLast(
        encodeNoticeResponse({
          severity: 'NOTICE',
          code: '00000',
          message: `${plan.tables.join(', ')} is not sharded: it lives on the home shard ${route.shard}`,
          hint: 'to shard a table, name it under tables: in switchyard.yaml (with its shardKey) before creating it',
        }),
      );
    }
  }

  /** Sends a Query to a shard and relays its answers; a shard error ends the query string. */
  async #relayQuery(pipe: ShardPipe, sql: string): Promise<void> {
    pipe.send(queryMessage(sql), 'query', 'relay');
    const outcome = await this.drain(pipe);
    if (outcome.copyIn) {
      this.copy = CopyIn.forward(pipe, (b) => this.out.push(b));
      return;
    }
    if (outcome.error) throw new AlreadyReported();
  }

  /** SET / RESET / DISCARD: on every shard the session holds (or the home shard), and remembered. */
  async #set(plan: StatementPlan): Promise<void> {
    const sql = plan.sql;
    const transactionScoped = /^\s*set\s+(local|transaction|session\s+characteristics)\b/i.test(sql);
    const txn = this.links.transaction;
    const shards = txn && transactionScoped ? [...txn.shards] : this.links.held().map((p) => p.shard);
    if (shards.length === 0) shards.push(this.links.anyShard());
    const discards = /^\s*(discard\s+all|deallocate)\b/i.test(sql);
    for (const [i, shard] of shards.entries()) {
      const pipe = await this.pipeFor(shard, false);
      if (i === 0) await this.#relayQuery(pipe, sql);
      else {
        const result = await runInternal(pipe, sql);
        if (result.error) {
          const e = errorMessageOf(result.error);
          throw new SessionError(e.code, `shard ${shard}: ${e.message}`);
        }
      }
      if (discards) pipe.connection.preparedStatements.clear();
    }
    if (transactionScoped) return;
    if (/^\s*(reset\s+all|discard\s+all)\b/i.test(sql)) this.links.settings.length = 0;
    else if (!discards) this.links.settings.push(sql);
  }

  /** Where a statement goes with these parameters: one shard, or a scatter over several. */
  target(plan: StatementPlan, params: readonly BindParam[]): Target {
    if (plan.multiWrite && writesSeveralShards(this.ctx, plan, params)) return { kind: 'multi' };
    if (plan.route.type === 'scatter' && plan.scatter) return { kind: 'scatter', scatter: plan.scatter };
    if (plan.scatter && plan.route.type === 'shard-key') {
      const shards = this.ctx.planner.shardsFor(plan.route, params);
      if (shards.length > 1) return { kind: 'scatter', scatter: plan.scatter };
      if (shards.length === 1) return { kind: 'shard', shard: shards[0]! };
    }
    return { kind: 'shard', shard: this.shardOf(plan, params) };
  }

  /** Runs a write across shards after everything queued before it was answered. */
  async multiWrite(
    plan: StatementPlan,
    params: readonly BindParam[],
    options: MultiWriteOptions,
  ): Promise<void> {
    await this.settle(true);
    this.#current = undefined;
    await runMultiShardWrite(this.ctx, this.links, plan, params, this.out, options);
  }

  /** Runs a cross-shard read after everything queued before it was answered. */
  async scatter(
    plan: ScatterPlan,
    params: readonly BindParam[],
    options: { readonly describe: boolean; readonly resultFormats: readonly number[] },
  ): Promise<void> {
    await this.settle(true);
    this.#current = undefined;
    try {
      await runScatter(this.ctx, this.links, pgMergeRuntime, plan, params, this.out, options);
    } catch (error) {
      // The shards' pipes were read to the end of their answers by the row streams.
      this.noteError();
      this.skipping = true;
      throw error;
    }
  }

  /** Starts a cross-shard read whose rows a portal pulls a few at a time (Execute with a row limit). */
  async openScatter(
    plan: ScatterPlan,
    params: readonly BindParam[],
    resultFormats: readonly number[],
  ): Promise<OpenScatter> {
    await this.settle(true);
    this.#current = undefined;
    return openScatter(this.ctx, this.links, pgMergeRuntime, plan, params, resultFormats);
  }

  /** The one shard a statement goes to, or an error saying why it cannot run on one shard. */
  shardOf(plan: StatementPlan, params: readonly BindParam[]): string {
    const route = plan.route;
    if (route.type === 'refused') {
      throw new SessionError(route.code, route.message, route.hint ? { hint: route.hint } : {});
    }
    if (route.type === 'shard') return route.shard;
    if (route.type === 'any') return this.links.anyShard();
    const shards = this.ctx.planner.shardsFor(plan.route, params);
    if (shards.length !== 1) {
      throw new SessionError(
        SqlState.featureNotSupported,
        `this statement reaches shards ${shards.join(', ')}; ${plan.writes ? 'writes across shards need distributed transactions, which are' : 'reads across shards are'} not supported yet`,
        { hint: 'give the shard key of a single shard in WHERE (or the VALUES of one shard)' },
      );
    }
    return shards[0]!;
  }

  /** The pipe to `shard` for the current batch; a pipe switch first settles the previous one. */
  async pipeFor(shard: string, writes: boolean): Promise<ShardPipe> {
    const pipe = await this.links.pipeFor(shard, writes);
    if (this.#current && this.#current !== pipe) await this.settle(true);
    this.#current = pipe;
    return pipe;
  }

  /** Queues a reply of the session's own, after everything a shard still owes. */
  async local(bytes: Uint8Array): Promise<void> {
    await this.settle(true);
    // A shard's error just seen means the rest of the batch is skipped, this reply included.
    if (!this.skipping) this.out.push(bytes);
  }

  /** Sends what is queued for the current pipe and relays its answers (Flush keeps the batch open). */
  async settle(flush: boolean): Promise<void> {
    const pipe = this.#current;
    if (!pipe || pipe.owed === 0) return;
    if (flush) pipe.sendUnanswered(FLUSH);
    await this.drain(pipe);
  }

  /** Sends a pipe's queue and relays its answers to the client, streaming large results. */
  async drain(pipe: ShardPipe): Promise<DrainOutcome> {
    pipe.flush();
    let outcome: DrainOutcome;
    try {
      outcome = await pipe.drain(
        (frame) => this.out.push(frame.raw),
        () => this.out.relieve(),
      );
    } catch (error) {
      if (!pipe.connection.broken) throw error;
      // The shard's connection broke: what it still owed is lost. The client hears it as the
      // batch's error (unless an earlier error, such as the shard's own FATAL, already ended the
      // batch); the session replaces the connection for its next statement (ShardLinks.pipeFor).
      const raw = errorResponseFor(error);
      if (!this.skipping) this.out.push(raw);
      outcome = { error: { type: raw[0] ?? 0, body: raw.subarray(5), raw }, copyIn: undefined };
    }
    if (outcome.error) {
      this.noteError();
      this.skipping = true;
    }
    return outcome;
  }

  /** Reports an error of the session's own in an extended-protocol batch: skip until Sync. */
  async fail(error: unknown): Promise<void> {
    await this.settle(true).catch(() => {});
    this.noteError();
    this.skipping = true;
    this.out.push(errorResponseFor(error));
  }

  /** Ends a batch (Sync, or the end of a query string). */
  endBatch(): void {
    this.#current = undefined;
    this.skipping = false;
    this.links.endBatch();
  }

  /** An error inside an explicit transaction aborts it. */
  noteError(): void {
    const txn = this.links.transaction;
    if (txn) txn.status = 'E';
  }

  /** In an aborted transaction only its end (or a rollback to a savepoint) is accepted. */
  checkNotAborted(plan: StatementPlan): void {
    if (this.links.transaction?.status !== 'E') return;
    const action = plan.route.type === 'transaction' ? plan.route.action.type : undefined;
    if (action === 'rollback' || action === 'rollback-to' || action === 'commit') return;
    throw new SessionError(
      '25P02',
      'current transaction is aborted, commands ignored until end of transaction block',
    );
  }
}
