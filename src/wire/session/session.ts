// One client connection's protocol state: the simple and extended query protocols, prepared
// statements and portals, and the order of answers. Statements that stay on one shard are forwarded
// as the client sent them and the shard's answers relayed as they come (StatementRunner); Switchyard
// answers itself only what no single shard can (BEGIN, a Parse whose shard depends on its parameters,
// DDL run on every shard).
import type { Frame } from '../../protocol/message-framer.js';
import type { ScatterPlan } from '../../router/merge/merge-plan.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { SqlState } from '../../util/errors.js';
import {
  type Bind,
  type Close,
  type Describe,
  type Execute,
  encodeBindComplete,
  encodeCloseComplete,
  encodeEmptyQueryResponse,
  encodeNoData,
  encodeParseComplete,
  encodeReadyForQuery,
  type FrontendMessage,
  type Parse,
} from '../codec/index.js';
import type { SessionHandler, WireConnection } from '../server/session-handler.js';
import {
  describeStatementMessage,
  internalStatementName,
  parseMessage,
  rebindStatement,
  SYNC,
} from './frontend-messages.js';
import { writesSeveralShards } from './multi-shard-write.js';
import { withFormats } from './result-formats.js';
import type { BindParam, SessionContext } from './session-context.js';
import { errorResponseFor, SessionError } from './session-error.js';
import { SessionOutput } from './session-output.js';
import { ShardLinks } from './shard-links.js';
import { B, type ShardPipe } from './shard-pipe.js';
import { forwardable, StatementRunner } from './statement-runner.js';
import { SuspendedReads } from './suspended-reads.js';

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
  | { readonly kind: 'local'; readonly plan: StatementPlan | undefined }
  /** A cross-shard read, run at Execute with the Bind's parameters. */
  | {
      readonly kind: 'scatter';
      readonly scatter: ScatterPlan;
      readonly statement: PreparedStatement;
      readonly params: readonly BindParam[];
      readonly resultFormats: readonly number[];
    }
  /** A write across shards, run at Execute with the Bind's parameters. */
  | {
      readonly kind: 'multi';
      readonly plan: StatementPlan;
      readonly statement: PreparedStatement;
      readonly params: readonly BindParam[];
      readonly resultFormats: readonly number[];
    };

/** The protocol state machine of one client connection. */
export class Session implements SessionHandler {
  readonly #ctx: SessionContext;
  readonly #client: WireConnection;
  readonly #links: ShardLinks;
  readonly #out: SessionOutput;
  readonly #runner: StatementRunner;
  readonly #statements = new Map<string, PreparedStatement>();
  readonly #portals = new Map<string, Portal>();
  readonly #suspended: SuspendedReads;
  /** Closes the session when it stays idle inside a transaction too long. */
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(ctx: SessionContext, client: WireConnection) {
    this.#ctx = ctx;
    this.#client = client;
    this.#links = new ShardLinks(ctx);
    this.#out = new SessionOutput(client);
    this.#suspended = new SuspendedReads(this.#out);
    this.#runner = new StatementRunner(ctx, this.#links, this.#out, (name) => {
      if (name !== null) return this.#statements.delete(name);
      this.#statements.clear();
      return true;
    });
  }

  async onMessages(messages: readonly FrontendMessage[]): Promise<void> {
    clearTimeout(this.#idleTimer);
    for (const message of messages) {
      if (this.#runner.copy) {
        let done: boolean;
        try {
          done = await this.#runner.copy.accept(message);
        } catch (error) {
          this.#runner.noteError();
          this.#out.push(errorResponseFor(error));
          done = true;
        }
        if (done) {
          this.#runner.copy = undefined;
          this.#runner.endBatch();
          this.#readyForQuery();
        }
        continue;
      }
      switch (message.type) {
        case 'Query':
          await this.#suspended.closeAll();
          await this.#runner.runQuery(message.query);
          if (!this.#runner.copy) this.#readyForQuery();
          break;
        case 'Parse':
        case 'Bind':
        case 'Describe':
        case 'Execute':
        case 'Close':
          if (this.#runner.skipping) break;
          try {
            await this.#extended(message);
          } catch (error) {
            await this.#runner.fail(error);
          }
          break;
        case 'Sync':
          await this.#sync();
          break;
        case 'Flush':
          await this.#runner.settle(true);
          break;
        case 'CopyData':
        case 'CopyDone':
        case 'CopyFail':
          // Left over from a COPY that already failed: the protocol says to ignore them.
          break;
        case 'FunctionCall':
          await this.#runner.fail(
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
    this.#out.write();
  }

  onCancel(): void {
    this.#links.cancelAll();
  }

  onClose(): void {
    clearTimeout(this.#idleTimer);
    this.#links.releaseAll();
  }

  // ---- extended query protocol -----------------------------------------------------------------

  async #extended(message: Parse | Bind | Describe | Execute | Close): Promise<void> {
    if (message.type !== 'Execute') await this.#suspended.closeAll();
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
    await this.#runner.local(encodeParseComplete());
  }

  async #bind(message: Bind): Promise<void> {
    const statement = this.#statement(message.statement);
    const plan = statement.plan;
    if (plan?.multiWrite) {
      this.#runner.checkNotAborted(plan);
      const params = this.#bindParams(message, statement);
      if (writesSeveralShards(this.#ctx, plan, params)) {
        const resultFormats = [...message.resultFormats];
        this.#portals.set(message.portal, { kind: 'multi', plan, statement, params, resultFormats });
        await this.#runner.local(encodeBindComplete());
        return;
      }
    }
    if (
      !plan ||
      !forwardable.has(plan.kind) ||
      plan.route.type === 'all' ||
      plan.route.type === 'transaction' ||
      plan.explain
    ) {
      if (plan?.route.type === 'refused') {
        throw new SessionError(
          plan.route.code,
          plan.route.message,
          plan.route.hint ? { hint: plan.route.hint } : {},
        );
      }
      this.#portals.set(message.portal, { kind: 'local', plan });
      await this.#runner.local(encodeBindComplete());
      return;
    }
    this.#runner.checkNotAborted(plan);
    const params = this.#bindParams(message, statement);
    const where = this.#runner.target(plan, params);
    if (where.kind === 'scatter') {
      const resultFormats = [...message.resultFormats];
      this.#portals.set(message.portal, {
        kind: 'scatter',
        scatter: where.scatter,
        statement,
        params,
        resultFormats,
      });
      await this.#runner.local(encodeBindComplete());
      return;
    }
    if (where.kind !== 'shard')
      throw new SessionError(SqlState.internalError, 'a write across shards was bound as one');
    const pipe = await this.#runner.pipeFor(where.shard, plan.writes);
    this.#ensurePrepared(pipe, statement);
    pipe.send(rebindStatement(message.raw, statement.internal), 'bind');
    this.#portals.set(message.portal, { kind: 'shard', pipe });
  }

  /** Bind's parameters, copied: a cross-shard statement uses them at Execute, after this batch. */
  #bindParams(message: Bind, statement: PreparedStatement): BindParam[] {
    return message.parameters.map((value, i) => ({
      value: value === null ? null : value.slice(),
      format: formatOf(message.parameterFormats, i),
      typeOid: statement.parameterTypes[i] ?? 0,
    }));
  }

  async #describe(message: Describe): Promise<void> {
    if (message.target === 'P') {
      const portal = this.#portals.get(message.name);
      if (!portal) throw new SessionError('34000', `portal "${message.name}" does not exist`);
      if (portal.kind === 'shard') portal.pipe.send(message.raw.slice(), 'describe-portal');
      else if (portal.kind === 'scatter' || portal.kind === 'multi')
        await this.#describeScatter(portal.statement, portal.resultFormats);
      else await this.#runner.local(encodeNoData());
      return;
    }
    const statement = this.#statement(message.name);
    const plan = statement.plan;
    // Every shard has the same schema: any shard that can run the statement can describe it.
    const shard = plan?.route.type === 'shard' ? plan.route.shard : this.#links.anyShard();
    const pipe = await this.#runner.pipeFor(shard, false);
    this.#ensurePrepared(pipe, statement);
    pipe.send(describeStatementMessage(statement.internal), 'describe-statement');
  }

  /**
   * Describe of a cross-shard read's portal: its rows have the columns the client's statement has on
   * any one shard (the merge returns exactly those), so one shard describes it.
   */
  async #describeScatter(statement: PreparedStatement, formats: readonly number[]): Promise<void> {
    const pipe = await this.#runner.pipeFor(this.#links.anyShard(), false);
    this.#ensurePrepared(pipe, statement);
    const frames: Frame[] = [];
    pipe.send(describeStatementMessage(statement.internal), 'describe-statement', 'internal', {
      collect: frames,
    });
    await this.#runner.settle(true);
    const rows = frames.find((f) => f.type === B.rowDescription || f.type === B.noData);
    if (rows)
      await this.#runner.local(rows.type === B.rowDescription ? withFormats(rows, formats) : rows.raw);
  }

  async #execute(message: Execute): Promise<void> {
    const portal = this.#portals.get(message.portal);
    if (!portal) throw new SessionError('34000', `portal "${message.portal}" does not exist`);
    if (portal.kind === 'shard') {
      portal.pipe.send(message.raw.slice(), 'execute');
      return;
    }
    if (portal.kind === 'multi') {
      await this.#suspended.closeAll();
      await this.#runner.multiWrite(portal.plan, portal.params, {
        describe: false,
        resultFormats: portal.resultFormats,
      });
      return;
    }
    if (portal.kind === 'scatter') {
      await this.#suspended.closeAll(portal);
      if (message.maxRows === 0 && !this.#suspended.has(portal)) {
        await this.#runner.scatter(portal.scatter, portal.params, {
          describe: false,
          resultFormats: portal.resultFormats,
        });
        return;
      }
      if (!this.#suspended.has(portal)) {
        this.#suspended.add(
          portal,
          await this.#runner.openScatter(portal.scatter, portal.params, portal.resultFormats),
        );
      }
      await this.#suspended.send(portal, message.maxRows);
      return;
    }
    if (!portal.plan) {
      await this.#runner.local(encodeEmptyQueryResponse());
      return;
    }
    await this.#runner.settle(false);
    await this.#runner.runStatement(portal.plan);
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
    await this.#runner.local(encodeCloseComplete());
  }

  /** Ends an extended-protocol batch: every shard that got messages syncs, then ReadyForQuery. */
  async #sync(): Promise<void> {
    await this.#suspended.closeAll();
    for (const pipe of this.#links.touched) pipe.send(SYNC, 'sync');
    for (const pipe of this.#links.touched) await this.#runner.drain(pipe);
    this.#runner.endBatch();
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

  #readyForQuery(): void {
    const status = this.#links.transaction?.status ?? 'I';
    this.#out.push(encodeReadyForQuery(status));
    const idleMs = this.#ctx.idleInTransactionTimeoutMs ?? 0;
    if (status !== 'I' && idleMs > 0) {
      this.#idleTimer = setTimeout(() => {
        this.#links.releaseAll();
        this.#client.close({
          code: '25P03',
          message: `terminating connection due to idle-in-transaction timeout (${idleMs} ms, transactions.idleInTransactionTimeoutMs in switchyard.yaml); the transaction was rolled back on every shard`,
        });
      }, idleMs);
      this.#idleTimer.unref();
    }
  }
}

function formatOf(formats: readonly number[], i: number): 0 | 1 {
  const f = formats.length === 0 ? 0 : formats.length === 1 ? formats[0] : formats[i];
  return f === 1 ? 1 : 0;
}
