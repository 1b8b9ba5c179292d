// A session on a PostgreSQL shard: one pooled client checked out until `release()`. Releasing
// rolls back a transaction left open (the server says so in ReadyForQuery's status) and destroys
// a client whose connection broke instead of returning it to the pool.
import type pg from 'pg';
import { encodeParams } from './encode-params.js';
import { isConnectionBroken } from './postgres-errors.js';
import { batchesOnClient, execOnClient, queryOnClient, withCancel } from './postgres-statements.js';
import {
  noTransactionToPrepare,
  preparedRolledBack,
  prepareTransactionSql,
} from './prepared-transactions.js';
import { SessionGuard } from './session-guard.js';
import type {
  Param,
  QueryOptions,
  QueryResult,
  RowBatch,
  ShardSession,
  StreamOptions,
} from './shard-backend.js';
import { BackendSqlState, ShardError } from './shard-error.js';

/** What a session needs from the PostgresBackend that opened it. */
export interface PostgresSessionHost {
  readonly shard: string;
  /** The error for a failed statement (closed backend, lost connection, or the server's error). */
  statementError(error: unknown): ShardError;
  /** Why nothing may run now (the backend is closed), if so. */
  closedError(): ShardError | undefined;
  /** True when the client reported a connection error of its own. */
  isBroken(client: pg.PoolClient): boolean;
  /** Returns the client to the pool, or destroys it. Safe to call twice. */
  giveBack(client: pg.PoolClient, destroy: boolean): void;
}

/** Rows per batch of `stream` unless the caller says otherwise. */
const defaultBatchSize = 1000;

/** One PostgreSQL connection held across calls. */
export class PostgresSession implements ShardSession {
  readonly #guard: SessionGuard;
  #broken = false;

  constructor(
    private readonly host: PostgresSessionHost,
    private readonly client: pg.PoolClient,
  ) {
    this.#guard = new SessionGuard(host.shard, () => host.closedError() ?? this.#brokenError());
  }

  query(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<QueryResult> {
    return this.#guard.run(options?.signal, () =>
      this.#call(() =>
        withCancel(this.client, options?.signal, () => queryOnClient(this.client, sql, encodeParams(params))),
      ),
    );
  }

  exec(sql: string, options?: QueryOptions): Promise<QueryResult[]> {
    return this.#guard.run(options?.signal, () =>
      this.#call(() => withCancel(this.client, options?.signal, () => execOnClient(this.client, sql))),
    );
  }

  stream(sql: string, params?: readonly Param[], options?: StreamOptions): AsyncIterable<RowBatch> {
    const batches = batchesOnClient(this.host.shard, this.client, sql, encodeParams(params), {
      batchSize: options?.batchSize ?? defaultBatchSize,
      signal: options?.signal,
      ownerError: () => this.#guard.releasedError() ?? this.host.closedError(),
    });
    const session = this;
    return this.#guard.stream(async function* () {
      try {
        yield* batches;
      } catch (error) {
        throw session.#failed(error);
      }
    });
  }

  async prepareTransaction(gid: string): Promise<void> {
    const sql = prepareTransactionSql(this.host.shard, gid);
    await this.#guard.run(undefined, () =>
      this.#call(async () => {
        if (this.client.getTransactionStatus() === 'I') throw noTransactionToPrepare(this.host.shard);
        const [result] = await execOnClient(this.client, sql);
        if (result?.command !== 'PREPARE TRANSACTION') throw preparedRolledBack(this.host.shard, gid);
      }),
    );
  }

  async release(): Promise<void> {
    if (!(await this.#guard.release())) return;
    let destroy = this.#broken || this.host.isBroken(this.client);
    try {
      if (!destroy && this.host.closedError() === undefined && this.client.getTransactionStatus() !== 'I') {
        await execOnClient(this.client, 'ROLLBACK');
      }
    } catch {
      destroy = true;
    } finally {
      this.host.giveBack(this.client, destroy);
    }
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.#failed(error);
    }
  }

  #failed(error: unknown): ShardError {
    if (isConnectionBroken(error) || this.host.isBroken(this.client)) this.#broken = true;
    return this.host.statementError(error);
  }

  #brokenError(): ShardError | undefined {
    if (!this.#broken) return undefined;
    return new ShardError(
      this.host.shard,
      BackendSqlState.connectionFailure,
      "this session's connection broke (see the earlier error); release it and take a new session",
    );
  }
}
