// A shard that is a real PostgreSQL server, reached through a node-postgres pool. `query`, `exec`
// and `stream` borrow a client for one call; a session keeps one until it is released. A shard that
// is down fails each call within the connect timeout with SQLSTATE 08001 naming the shard and its
// address, and does not disturb other shards: each has its own pool. Aborting a call's signal sends
// the server a real cancel request. `connect()` opens raw protocol connections for the wire front end
// (see postgres-connector.ts); they are pooled apart from the node-postgres pool.
import pg from 'pg';
import { loggerFor } from '../util/logger.js';
import { encodeParams } from './encode-params.js';
import { describePostgresAddress } from './postgres-address.js';
import { PostgresConnector } from './postgres-connector.js';
import { connectError, isConnectionBroken, statementError } from './postgres-errors.js';
import type { ConnectionStats } from './postgres-link-pool.js';
import { PostgresSession } from './postgres-session.js';
import { batchesOnClient, execOnClient, queryOnClient, withCancel } from './postgres-statements.js';
import {
  commitPreparedSql,
  listPreparedSql,
  rollbackPreparedSql,
  toPreparedTransactions,
} from './prepared-transactions.js';
import type {
  Param,
  PreparedTransaction,
  QueryOptions,
  QueryResult,
  RowBatch,
  ShardBackend,
  ShardSession,
  StreamOptions,
} from './shard-backend.js';
import type { ShardConnection, ShardConnectOptions, ShardConnector } from './shard-connection.js';
import { BackendSqlState, canceledError, leftOpenTransactionError, ShardError } from './shard-error.js';

/** How a PostgreSQL shard is reached. */
export interface PostgresBackendOptions {
  /** `postgres://user:password@host:port/database?sslmode=…` */
  readonly connectionString: string;
  /** Connections in the pool (default 10); also the most idle raw connections kept for reuse. */
  readonly poolSize?: number;
  /** Longest wait for a connection, new or pooled, in milliseconds (default 5000). */
  readonly connectTimeoutMs?: number;
  /** The server cancels statements running longer than this (milliseconds; default: no limit). */
  readonly statementTimeoutMs?: number;
  /** An unused connection is closed after this many milliseconds (default 30 000). */
  readonly idleTimeoutMs?: number;
  /** `application_name` shown in pg_stat_activity (default `switchyard`). */
  readonly applicationName?: string;
}

/** Connections of a backend's pool right now. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

/**
 * One PostgreSQL shard.
 *
 * @example
 *   const shard = new PostgresBackend('s1', { connectionString: 'postgres://app@db1:5432/app' });
 *   const { rows } = await shard.query('select now()'); // [['2025-01-01 12:00:00.123456+00']]
 */
export class PostgresBackend implements ShardBackend, ShardConnector {
  /** `host:port/database`, without credentials. */
  readonly address: string;
  readonly #pool: pg.Pool;
  readonly #poolSize: number;
  readonly #connectTimeoutMs: number;
  /** Checked-out clients and the error listener each carries while out. */
  readonly #out = new Map<pg.PoolClient, (error: Error) => void>();
  readonly #broken = new WeakSet<pg.PoolClient>();
  readonly #connector: PostgresConnector;
  #closing: Promise<void> | undefined;

  constructor(
    readonly shard: string,
    options: PostgresBackendOptions,
  ) {
    this.address = describePostgresAddress(options.connectionString);
    this.#poolSize = options.poolSize ?? 10;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: this.#poolSize,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      application_name: options.applicationName ?? 'switchyard',
      keepAlive: true,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    this.#connector = new PostgresConnector(shard, this.address, {
      connectionString: options.connectionString,
      poolSize: this.#poolSize,
      connectTimeoutMs: this.#connectTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
      applicationName: options.applicationName ?? 'switchyard',
      statementTimeoutMs: options.statementTimeoutMs,
    });
    // An idle connection that dies (server restart) is removed by the pool; without a listener the
    // 'error' event would crash the process.
    this.#pool.on('error', (error) =>
      loggerFor('backend', { shard }).warn(
        { err: error, address: this.address },
        'an idle connection failed',
      ),
    );
  }

  /** Connections of the pool right now. */
  poolStats(): PoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  /** Raw connections (from `connect`) opened, closed and idle. */
  connectionStats(): ConnectionStats {
    return this.#connector.stats();
  }

  /**
   * A raw protocol connection for forwarding a client's messages (see ShardConnection): an idle
   * one released earlier (its session state reset, its prepared statements kept), or a new one.
   *
   * @throws ShardError 08001 when the server cannot be reached within the connect timeout, the
   *   server's SQLSTATE when it refuses the login, 08003 after `close()`.
   */
  connect(options?: ShardConnectOptions): Promise<ShardConnection> {
    return this.#connector.connect(options);
  }

  query(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<QueryResult> {
    return this.#autocommit(options?.signal, (client) => queryOnClient(client, sql, encodeParams(params)));
  }

  exec(sql: string, options?: QueryOptions): Promise<QueryResult[]> {
    return this.#autocommit(options?.signal, (client) => execOnClient(client, sql));
  }

  async *stream(sql: string, params?: readonly Param[], options?: StreamOptions): AsyncGenerator<RowBatch> {
    const signal = options?.signal;
    const client = await this.#checkout(signal);
    let destroy = false;
    try {
      yield* batchesOnClient(this.shard, client, sql, encodeParams(params), {
        batchSize: options?.batchSize ?? 1000,
        signal,
        ownerError: () => this.closedError(),
      });
    } catch (error) {
      destroy = isConnectionBroken(error);
      throw this.statementError(error);
    } finally {
      this.#giveBack(client, destroy || signal?.aborted === true || client.getTransactionStatus() !== 'I');
    }
  }

  async session(): Promise<ShardSession> {
    const client = await this.#checkout(undefined);
    return new PostgresSession(
      {
        shard: this.shard,
        statementError: (error) => this.statementError(error),
        closedError: () => this.closedError(),
        isBroken: (c) => this.#broken.has(c),
        giveBack: (c, destroy) => this.#giveBack(c, destroy),
      },
      client,
    );
  }

  async commitPrepared(gid: string): Promise<void> {
    const sql = commitPreparedSql(this.shard, gid);
    await this.#autocommit(undefined, (client) => execOnClient(client, sql));
  }

  async rollbackPrepared(gid: string): Promise<void> {
    const sql = rollbackPreparedSql(this.shard, gid);
    await this.#autocommit(undefined, (client) => execOnClient(client, sql));
  }

  async listPrepared(prefix = ''): Promise<PreparedTransaction[]> {
    const { rows } = await this.#autocommit(undefined, (client) =>
      queryOnClient(client, listPreparedSql, [prefix]),
    );
    return toPreparedTransactions(rows);
  }

  /**
   * Ends every connection, including those held by sessions (their next call fails with 08003)
   * and raw connections (their next receive fails with 08006).
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#connector.close();
      for (const client of [...this.#out.keys()]) this.#giveBack(client, true);
      await this.#pool.end();
    })();
    return this.#closing;
  }

  /** The error for calls after `close()`, or undefined while open. */
  closedError(): ShardError | undefined {
    if (!this.#closing) return undefined;
    return new ShardError(
      this.shard,
      BackendSqlState.connectionDoesNotExist,
      'the shard backend is closed; open it again to use the shard',
    );
  }

  /** The ShardError for a failed statement. */
  statementError(error: unknown): ShardError {
    const closed = this.closedError();
    if (closed && !(error instanceof ShardError)) return closed;
    return statementError(this.shard, this.address, error);
  }

  /** Runs one call on a borrowed client; a transaction it leaves open is rolled back and reported. */
  async #autocommit<T>(
    signal: AbortSignal | undefined,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const client = await this.#checkout(signal);
    let destroy = false;
    try {
      const result = await withCancel(client, signal, () => fn(client));
      if (client.getTransactionStatus() !== 'I') {
        await execOnClient(client, 'ROLLBACK');
        throw leftOpenTransactionError(this.shard);
      }
      return result;
    } catch (error) {
      destroy = isConnectionBroken(error) || this.#broken.has(client);
      if (!destroy && client.getTransactionStatus() !== 'I') {
        await execOnClient(client, 'ROLLBACK').catch(() => {
          destroy = true;
        });
      }
      throw this.statementError(error);
    } finally {
      // After an abort a cancel request may still be on its way; it must not hit the next borrower.
      this.#giveBack(client, destroy || signal?.aborted === true);
    }
  }

  async #checkout(signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    const closed = this.closedError();
    if (closed) throw closed;
    if (signal?.aborted) throw canceledError(this.shard);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw (
        this.closedError() ??
        connectError(
          {
            shard: this.shard,
            address: this.address,
            connectTimeoutMs: this.#connectTimeoutMs,
            poolExhausted: this.#pool.totalCount >= this.#poolSize,
            poolSize: this.#poolSize,
          },
          error,
        )
      );
    }
    // While out of the pool a client has no error listener of the pool's; one must be there.
    const onError = () => this.#broken.add(client);
    client.on('error', onError);
    this.#out.set(client, onError);
    const refused = this.closedError() ?? (signal?.aborted ? canceledError(this.shard) : undefined);
    if (refused) {
      this.#giveBack(client, false);
      throw refused;
    }
    return client;
  }

  #giveBack(client: pg.PoolClient, destroy: boolean): void {
    const onError = this.#out.get(client);
    if (!onError) return;
    this.#out.delete(client);
    const broken = destroy || this.#broken.has(client);
    // An error arriving after the client was destroyed must not crash the process either.
    if (!broken) client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}
