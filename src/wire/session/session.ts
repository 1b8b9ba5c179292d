// One client connection's protocol state: the simple and extended query protocols, prepared
// statements and portals, the transaction, and which shard each statement goes to. Statements that
// stay on one shard are forwarded as the client sent them and the shard's answers relayed as they
// come; Switchyard answers itself only what no single shard can (BEGIN, a Parse whose shard depends on
// its parameters, DDL run on every shard).
import type { StatementPlan } from '../../router/route-plan.js';
import { SqlState } from '../../util/errors.js';
import {
  type Bind,
  type Close,
  type Describe,
  type Execute,
  encodeBindComplete,
  encodeCloseComplete,
  encodeCommandComplete,
  encodeEmptyQueryResponse,
  encodeNoData,
  encodeNoticeResponse,
  encodeParseComplete,
  encodeReadyForQuery,
  type FrontendMessage,
  type Parse,
} from '../codec/index.js';
import type { SessionHandler, WireConnection } from '../server/session-handler.js';
import { copyOutOfAllShards, runOnAllShards } from './all-shards.js';
import { CopyIn, type CopyInProgress } from './copy-in.js';
import {
  describeStatementMessage,
  FLUSH,
  internalStatementName,
  parseMessage,
  queryMessage,
  rebindStatement,
  SYNC,
} from './frontend-messages.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import type { BindParam, SessionContext } from './session-context.js';
import { errorResponseFor, SessionError } from './session-error.js';
import { ShardLinks } from './shard-links.js';
import type { DrainOutcome, ShardPipe } from './shard-pipe.js';
import { controlTransaction } from './transaction-control.js';

/** A statement the client prepared (Parse), as the session keeps it. */
interface PreparedStatement {
  readonly sql: string;
  readonly parameterTypes: readonly number[];
  /** Undefined for an empty query string. */
  readonly plan: StatementPlan | undefined;
  /** The name it has on every shard connection. */
  readonly internal: string;
  readonly parse: Uint8Array;
}

/** A bound statement: forwarded to a shard, or run by the session itself at Execute. */
type Portal =
  | { readonly kind: 'shard'; readonly pipe: ShardPipe }
  | { readonly kind: 'local'; readonly plan: StatementPlan | undefined };

const forwardable = new Set(['select', 'insert', 'update', 'delete', 'show', 'utility', 'copy-out']);

/** The protocol state machine of one client connection. */
export class Session implements SessionHandler {
  readonly #ctx: SessionContext;
  readonly #client: WireConnection;
  readonly #links: ShardLinks;
  readonly #statements = new Map<string, PreparedStatement>();
  readonly #portals = new Map<string, Portal>();
  /** Output not yet written to the client (written once per batch). */
  #out: Uint8Array[] = [];
  /** An error in this extended-protocol batch: skip messages until Sync. */
  #skipping = false;
  /** The pipe that owes answers in the current batch, if any. */
  #current: ShardPipe | undefined;
  #copy: CopyInProgress | undefined;

  constructor(ctx: SessionContext, client: WireConnection) {
    this.#ctx = ctx;
    this.#client = client;
    this.#links = new ShardLinks(ctx);
  }

  async onMessages(messages: readonly FrontendMessage[]): Promise<void> {
    for (const message of messages) {
      if (this.#copy) {
        let done: boolean;
        try {
          done = await this.#copy.accept(message);
        } catch (error) {
          this.#noteError();
          this.#out.push(errorResponseFor(error));
          done = true;
        }
        if (done) {
          this.#copy = undefined;
          this.#links.endBatch();
          this.#readyForQuery();
        }
        continue;
      }
      switch (message.type) {
        case 'Query':
          await this.#simpleQuery(message.query);
          break;
        case 'Parse':
        case 'Bind':
        case 'Describe':
        case 'Execute':
        case 'Close':
          if (this.#skipping) break;
          try {
            await this.#extended(message);
          } catch (error) {
            await this.#fail(error);
          }
          break;
        case 'Sync':
          await this.#sync();
          break;
        case 'Flush':
          await this.#settle(true);
          break;
        case 'CopyData':
        case 'CopyDone':
        case 'CopyFail':
          // Left over from a COPY that already failed: the protocol says to ignore them.
          break;
        case 'FunctionCall':
          await this.#fail(
            new SessionError(
              SqlState.featureNotSupported,
              'the fast-path function call protocol is not supported; call the function with SELECT',
            ),
          );
          break;
        default:
          this.#client.close({ code: '08P01', message: `unexpected ${message.type} message after startup` });
          return;
      }
    }
    this.#write();
  }

  onCancel(): void {
    this.#links.cancelAll();
  }

  onClose(): void {
    this.#links.releaseAll();
  }

  // ---- simple query protocol -------------------------------------------------------------------

  async #simpleQuery(sql: string): Promise<void> {
    this.#skipping = false;
    try {
      const plans = this.#ctx.planner.plan(sql);
      if (plans.length === 0 || (plans.length === 1 && plans[0]!.kind === 'empty')) {
        this.#out.push(encodeEmptyQueryResponse());
      } else if (!(await this.#forwardWhole(sql, plans))) await this.#runEach(plans);
    } catch (error) {
      this.#noteError();
      if (!(error instanceof AlreadyReported)) this.#out.push(errorResponseFor(error));
    }
    this.#current = undefined;
    this.#links.endBatch();
    if (!this.#copy) this.#readyForQuery();
  }

  /**
   * A query string whose statements all go to one shard is forwarded whole, so a multi-statement
   * string keeps its one implicit transaction there.
   */
  async #forwardWhole(sql: string, plans: readonly StatementPlan[]): Promise<boolean> {
    let target: string | undefined;
    for (const plan of plans) {
      if (!forwardable.has(plan.kind) || plan.route.type === 'all') return false;
      const shard = this.#shardOf(plan, []);
      if (target !== undefined && shard !== target) return false;
      target = shard;
    }
    if (this.#links.transaction?.status === 'E') return false;
    const pipe = await this.#pipeFor(
      target!,
      plans.some((p) => p.writes),
    );
    await this.#relayQuery(pipe, sql);
    return true;
  }

  /**
   * Runs the statements of a query string one by one (they go to different shards, or need the
   * session). PostgreSQL runs such a string as one implicit transaction: without an explicit one,
   * the session opens one over the shards the statements reach and commits it at the end, or rolls
   * it back at the first error. Writes to more than one shard are refused before anything runs.
   */
  async #runEach(plans: readonly StatementPlan[]): Promise<void> {
    const writeShards = new Set<string>();
    for (const plan of plans) {
      // (A COPY FROM STDIN finds its shard from its rows, later.)
      if (plan.writes && forwardable.has(plan.kind) && plan.route.type !== 'all') {
        writeShards.add(this.#shardOf(plan, []));
      }
    }
    if (writeShards.size > 1) {
      throw new SessionError(
        SqlState.featureNotSupported,
        `this query string writes to shards ${[...writeShards].join(', ')}; writes across shards need distributed transactions, which are not supported yet`,
        { hint: 'send the writes of each shard key in a separate query string' },
      );
    }
    const implicit =
      plans.length > 1 &&
      !this.#links.transaction &&
      plans.every((p) => p.route.type !== 'transaction' && p.route.type !== 'all' && p.kind !== 'copy-in');
    if (!implicit) {
      for (const plan of plans) await this.#runStatement(plan);
      return;
    }
    this.#links.transaction = {
      status: 'T',
      begin: 'BEGIN',
      shards: [],
      writeShard: undefined,
      savepoints: [],
    };
    try {
      for (const plan of plans) await this.#runStatement(plan);
    } catch (error) {
      await controlTransaction(this.#links, { type: 'rollback' }, 'ROLLBACK').catch(() => {});
      throw error;
    }
    await controlTransaction(this.#links, { type: 'commit' }, 'COMMIT');
  }

  /** Runs one statement of a simple query (the string held several, or it needs the session). */
  async #runStatement(plan: StatementPlan): Promise<void> {
    this.#checkNotAborted(plan);
    const route = plan.route;
    if (route.type === 'refused')
      throw new SessionError(route.code, route.message, route.hint ? { hint: route.hint } : {});
    if (route.type === 'transaction') {
      const reply = await controlTransaction(this.#links, route.action, plan.sql);
      if (reply.warning) this.#out.push(encodeNoticeResponse(reply.warning));
      this.#out.push(encodeCommandComplete(reply.tag));
      return;
    }
    if (plan.kind === 'set') return this.#set(plan);
    if (plan.kind === 'deallocate') {
      // The client's prepared statements are the session's: forget them (their shard-side
      // statements stay cached for other sessions).
      const name = plan.deallocate?.name ?? null;
      if (name === null) this.#statements.clear();
      else if (!this.#statements.delete(name))
        throw new SessionError('26000', `prepared statement "${name}" does not exist`);
      this.#out.push(encodeCommandComplete(name === null ? 'DEALLOCATE ALL' : 'DEALLOCATE'));
      return;
    }
    if (plan.kind === 'empty') {
      this.#out.push(encodeEmptyQueryResponse());
      return;
    }
    if (plan.kind === 'copy-in') {
      this.#copy = await CopyIn.start(this.#ctx, this.#links, plan, (b) => this.#out.push(b));
      return;
    }
    if (route.type === 'all') {
      if (plan.kind === 'copy-out')
        await copyOutOfAllShards(this.#ctx, this.#links, plan, (b) => this.#out.push(b));
      else await runOnAllShards(this.#ctx, this.#links, plan, (b) => this.#out.push(b));
      return;
    }
    const pipe = await this.#pipeFor(this.#shardOf(plan, []), plan.writes);
    await this.#relayQuery(pipe, plan.sql);
    if (
      route.type === 'shard' &&
      plan.kind === 'ddl' &&
      /^\s*create\s+(unlogged\s+)?table\b/i.test(plan.sql)
    ) {
      // A newcomer's CREATE TABLE must not surprise them: say where an unnamed table lives.
      this.#out.splice(
        this.#out.length - 1,
        0,
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
    const outcome = await this.#drain(pipe);
    if (outcome.copyIn) {
      this.#copy = CopyIn.forward(pipe, (b) => this.#out.push(b));
      return;
    }
    if (outcome.error) throw new AlreadyReported();
  }

  /** SET / RESET / DISCARD: on every shard the session holds (or the home shard), and remembered. */
  async #set(plan: StatementPlan): Promise<void> {
    const sql = plan.sql;
    const transactionScoped = /^\s*set\s+(local|transaction|session\s+characteristics)\b/i.test(sql);
    const txn = this.#links.transaction;
    const shards = txn && transactionScoped ? txn.shards : this.#links.held().map((p) => p.shard);
    if (shards.length === 0) shards.push(this.#links.anyShard());
    const discards = /^\s*(discard\s+all|deallocate)\b/i.test(sql);
    for (const [i, shard] of shards.entries()) {
      const pipe = await this.#pipeFor(shard, false);
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
    if (/^\s*(reset\s+all|discard\s+all)\b/i.test(sql)) this.#links.settings.length = 0;
    else if (!discards) this.#links.settings.push(sql);
  }

  // ---- extended query protocol -----------------------------------------------------------------

  async #extended(message: Parse | Bind | Describe | Execute | Close): Promise<void> {
    switch (message.type) {
      case 'Parse':
        return this.#parse(message);
      case 'Bind':
        return this.#bind(message);
      case 'Describe':
        return this.#describe(message);
      case 'Execute':
        return this.#execute(message);
      case 'Close':
        return this.#close(message);
    }
  }

  async #parse(message: Parse): Promise<void> {
    if (message.statement !== '' && this.#statements.has(message.statement)) {
      throw new SessionError('42P05', `prepared statement "${message.statement}" already exists`);
    }
    const plans = this.#ctx.planner.plan(message.query);
    if (plans.length > 1)
      throw new SessionError('42601', 'cannot insert multiple commands into a prepared statement');
    const internal = internalStatementName(message.query, message.parameterTypes);
    this.#statements.set(message.statement, {
      sql: message.query,
      parameterTypes: message.parameterTypes,
      plan: plans[0]?.kind === 'empty' ? undefined : plans[0],
      internal,
      parse: parseMessage(internal, message.query, message.parameterTypes),
    });
    await this.#local(encodeParseComplete());
  }

  async #bind(message: Bind): Promise<void> {
    const statement = this.#statement(message.statement);
    const plan = statement.plan;
    if (
      !plan ||
      !forwardable.has(plan.kind) ||
      plan.route.type === 'all' ||
      plan.route.type === 'transaction'
    ) {
      if (plan?.route.type === 'refused') {
        throw new SessionError(
          plan.route.code,
          plan.route.message,
          plan.route.hint ? { hint: plan.route.hint } : {},
        );
      }
      this.#portals.set(message.portal, { kind: 'local', plan });
      await this.#local(encodeBindComplete());
      return;
    }
    this.#checkNotAborted(plan);
    const params: BindParam[] = message.parameters.map((value, i) => ({
      value,
      format: formatOf(message.parameterFormats, i),
      typeOid: statement.parameterTypes[i] ?? 0,
    }));
    const pipe = await this.#pipeFor(this.#shardOf(plan, params), plan.writes);
    this.#ensurePrepared(pipe, statement);
    pipe.send(rebindStatement(message.raw, statement.internal), 'bind');
    this.#portals.set(message.portal, { kind: 'shard', pipe });
  }

  async #describe(message: Describe): Promise<void> {
    if (message.target === 'P') {
      const portal = this.#portals.get(message.name);
      if (!portal) throw new SessionError('34000', `portal "${message.name}" does not exist`);
      if (portal.kind === 'shard') portal.pipe.send(message.raw.slice(), 'describe-portal');
      else await this.#local(encodeNoData());
      return;
    }
    const statement = this.#statement(message.name);
    const plan = statement.plan;
    // Every shard has the same schema: any shard that can run the statement can describe it.
    const shard = plan?.route.type === 'shard' ? plan.route.shard : this.#links.anyShard();
    const pipe = await this.#pipeFor(shard, false);
    this.#ensurePrepared(pipe, statement);
    pipe.send(describeStatementMessage(statement.internal), 'describe-statement');
  }

  async #execute(message: Execute): Promise<void> {
    const portal = this.#portals.get(message.portal);
    if (!portal) throw new SessionError('34000', `portal "${message.portal}" does not exist`);
    if (portal.kind === 'shard') {
      portal.pipe.send(message.raw.slice(), 'execute');
      return;
    }
    if (!portal.plan) {
      await this.#local(encodeEmptyQueryResponse());
      return;
    }
    await this.#settle(false);
    await this.#runStatement(portal.plan);
  }

  async #close(message: Close): Promise<void> {
    if (message.target === 'S') this.#statements.delete(message.name);
    else {
      const portal = this.#portals.get(message.name);
      this.#portals.delete(message.name);
      if (portal?.kind === 'shard') {
        portal.pipe.send(message.raw.slice(), 'close');
        return;
      }
    }
    await this.#local(encodeCloseComplete());
  }

  /** Ends an extended-protocol batch: every shard that got messages syncs, then ReadyForQuery. */
  async #sync(): Promise<void> {
    for (const pipe of this.#links.touched) pipe.send(SYNC, 'sync');
    for (const pipe of this.#links.touched) await this.#drain(pipe);
    this.#current = undefined;
    this.#skipping = false;
    this.#links.endBatch();
    if (!this.#links.transaction) this.#portals.clear();
    this.#readyForQuery();
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  #statement(name: string): PreparedStatement {
    const statement = this.#statements.get(name);
    if (!statement) throw new SessionError('26000', `prepared statement "${name}" does not exist`);
    return statement;
  }

  #ensurePrepared(pipe: ShardPipe, statement: PreparedStatement): void {
    const prepared = pipe.connection.preparedStatements;
    if (prepared.has(statement.internal)) return;
    prepared.add(statement.internal);
    pipe.send(statement.parse, 'parse', 'quiet', { onError: () => prepared.delete(statement.internal) });
  }

  /** The one shard a statement goes to, or an error saying why it cannot run on one shard. */
  #shardOf(plan: StatementPlan, params: readonly BindParam[]): string {
    const route = plan.route;
    if (route.type === 'refused')
      throw new SessionError(route.code, route.message, route.hint ? { hint: route.hint } : {});
    if (route.type === 'shard') return route.shard;
    if (route.type === 'any') return this.#links.anyShard();
    const shards = this.#ctx.planner.shardsFor(plan, params);
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
  async #pipeFor(shard: string, writes: boolean): Promise<ShardPipe> {
    const pipe = await this.#links.pipeFor(shard, writes);
    if (this.#current && this.#current !== pipe) await this.#settle(true);
    this.#current = pipe;
    return pipe;
  }

  /** Queues a reply of the session's own, after everything a shard still owes. */
  async #local(bytes: Uint8Array): Promise<void> {
    await this.#settle(true);
    // A shard's error just seen means the rest of the batch is skipped, this reply included.
    if (!this.#skipping) this.#out.push(bytes);
  }

  /** Sends what is queued for the current pipe and relays its answers (Flush keeps the batch open). */
  async #settle(flush: boolean): Promise<void> {
    const pipe = this.#current;
    if (!pipe || pipe.owed === 0) return;
    if (flush) pipe.sendUnanswered(FLUSH);
    await this.#drain(pipe);
  }

  async #drain(pipe: ShardPipe): Promise<DrainOutcome> {
    pipe.flush();
    const outcome = await pipe.drain(
      (frame) => this.#out.push(frame.raw),
      () => {
        if (this.#out.length < 64) return undefined;
        this.#write();
        return this.#client.drained();
      },
    );
    if (outcome.error) {
      this.#noteError();
      this.#skipping = true;
    }
    return outcome;
  }

  async #fail(error: unknown): Promise<void> {
    await this.#settle(true).catch(() => {});
    this.#noteError();
    this.#skipping = true;
    this.#out.push(errorResponseFor(error));
  }

  #noteError(): void {
    const txn = this.#links.transaction;
    if (txn) txn.status = 'E';
  }

  #checkNotAborted(plan: StatementPlan): void {
    if (this.#links.transaction?.status !== 'E') return;
    const action = plan.route.type === 'transaction' ? plan.route.action.type : undefined;
    if (action === 'rollback' || action === 'rollback-to' || action === 'commit') return;
    throw new SessionError(
      '25P02',
      'current transaction is aborted, commands ignored until end of transaction block',
    );
  }

  #readyForQuery(): void {
    this.#out.push(encodeReadyForQuery(this.#links.transaction?.status ?? 'I'));
  }

  #write(): void {
    if (this.#out.length === 0) return;
    const parts = this.#out;
    this.#out = [];
    if (parts.length === 1) {
      this.#client.write(parts[0]!);
      return;
    }
    let total = 0;
    for (const p of parts) total += p.length;
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      bytes.set(p, offset);
      offset += p.length;
    }
    this.#client.write(bytes);
  }
}

/** A shard's error already went to the client: stop the query string without another error. */
class AlreadyReported extends Error {}

function formatOf(formats: readonly number[], i: number): 0 | 1 {
  const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
  return f === 1 ? 1 : 0;
}
