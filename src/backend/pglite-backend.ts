// An embedded shard: one PGlite database (PostgreSQL in WebAssembly) in its own data directory.
//
// PGlite has a single connection, so the backend is a lock around it: `query`, `exec` and `stream`
// take the lock for one call, `session()` holds it until `release()`. Embedded shards therefore run
// one transaction at a time; a caller that waits longer than `lockTimeoutMs` fails with SQLSTATE
// 55P03 naming the shard. Waiters are served first come, first served.
//
// Two-phase commit needs one more rule here. A transaction prepared on the shard keeps its locks,
// and a statement that waits for one of them would wait forever: PGlite runs on the JavaScript
// thread, no other backend can ever finish that transaction, and lock and statement timeouts do
// not fire in PGlite. So while a prepared transaction is pending, only `commitPrepared`,
// `rollbackPrepared`, `listPrepared` and `close` run; everything else waits (within the lock
// timeout) until the coordinator resolves it. That includes prepared transactions found at start-up.
//
// A data directory is open in one backend of one process at a time (see data-dir-lock.ts). PGlite
// runs with fsync off: a crashed process loses nothing it committed (the files are written through
// to the operating system; close() also checkpoints), but a power failure may lose the last commits.
//
// `connect()` opens raw protocol connections over the same single connection, for the wire front
// end (see pglite-shard-connection.ts); they take the same lock while a statement or transaction of
// theirs is in progress, and share one set of prepared statements.
//
// Cancellation is best effort: an aborted signal stops a call that is still waiting for the lock and
// a stream between two batches, but a statement already running inside PGlite runs to its end (the
// JavaScript thread is busy running it, so nothing can interrupt it).
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import { encodeParams } from './encode-params.js';
import type { Release } from './fifo-mutex.js';
import { PgliteConnection } from './pglite-connection.js';
import { loadPgliteRuntime } from './pglite-runtime.js';
import { readServerParameters } from './pglite-server-parameters.js';
import { defaultBatchSize, PgliteSession } from './pglite-session.js';
import { PgliteShardConnection } from './pglite-shard-connection.js';
import { PgliteShardLock } from './pglite-shard-lock.js';
import { preparePgliteDataDir } from './pglite-template.js';
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
import type { ShardConnectOptions, ShardConnector } from './shard-connection.js';
import { BackendSqlState, canceledError, leftOpenTransactionError, ShardError } from './shard-error.js';

/** How an embedded shard is opened. */
export interface PgliteBackendOptions {
  /** Longest wait for the shard's connection, in milliseconds (default 30 000). */
  readonly lockTimeoutMs?: number;
  /** `max_prepared_transactions` of the shard (default 64). */
  readonly maxPreparedTransactions?: number;
  /** Where the template data directory is cached (default: see `defaultTemplateCacheDir`). */
  readonly templateCacheDir?: string;
}

/**
 * One embedded shard. Open it with `PgliteBackend.open`: a new data directory is copied from a
 * cached template, an existing one is opened as it is.
 *
 * @example
 *   const shard = await PgliteBackend.open('s1', '/data/cluster/shards/s1');
 *   const { rows } = await shard.query('select $1::int8 + 1', ['41']); // [['42']]
 *   await shard.close();
 */
export class PgliteBackend implements ShardBackend, ShardConnector {
  readonly #connection: PgliteConnection;
  readonly #lock: PgliteShardLock;
  /** Statements prepared on the shard's one server session by raw connections (shared by all of them). */
  readonly #preparedStatements = new Set<string>();
  readonly #raw = new Set<PgliteShardConnection>();
  #serverParameters: Promise<Readonly<Record<string, string>>> | undefined;
  /** Gives back the data directory's lock (see data-dir-lock.ts). */
  readonly #unlock: () => void;
  #closing: Promise<void> | undefined;

  private constructor(
    readonly shard: string,
    /** The shard's data directory. */
    readonly dataDir: string,
    db: PGlite,
    unlock: () => void,
    options: PgliteBackendOptions,
  ) {
    this.#connection = new PgliteConnection(shard, db);
    this.#unlock = unlock;
    this.#lock = new PgliteShardLock(shard, options.lockTimeoutMs ?? 30_000, () =>
      this.#connection.closed ? this.#connection.closedError() : undefined,
    );
  }

  /**
   * Opens the shard in `dataDir`, creating the directory from the template when it is missing or
   * empty. Prepared transactions left from before are loaded, and block other statements until they
   * are resolved (see the file comment).
   */
  static async open(
    shard: string,
    dataDir: string,
    options: PgliteBackendOptions = {},
  ): Promise<PgliteBackend> {
    await preparePgliteDataDir(shard, dataDir, options.templateCacheDir);
    const runtime = await loadPgliteRuntime();
    const unlock = lockDataDir(shard, dataDir);
    let db: PGlite;
    try {
      db = await PGlite.create({
        dataDir,
        postgresqlconf: [`max_prepared_transactions = ${options.maxPreparedTransactions ?? 64}`],
        pgliteWasmModule: runtime.pgliteWasmModule,
        fsBundle: runtime.fsBundle,
      });
    } catch (error) {
      unlock();
      throw new ShardError(
        shard,
        BackendSqlState.sqlclientUnableToEstablishSqlconnection,
        `could not open the embedded database in ${dataDir}: ${error instanceof Error ? error.message : String(error)}. Check that the directory was made by PGlite ${runtime.version} and that no other process has it open`,
        { cause: error },
      );
    }
    const backend = new PgliteBackend(shard, dataDir, db, unlock, options);
    try {
      const pending = await backend.listPrepared();
      for (const { gid } of pending) backend.#lock.notePrepared(gid);
    } catch (error) {
      await backend.close();
      throw error;
    }
    return backend;
  }

  /**
   * A raw protocol connection over the shard's one server session (see pglite-shard-connection.ts).
   * Opening takes no lock; the connection takes the shard's lock from its first message until the
   * server is idle again outside a transaction, waiting at most `options.timeoutMs` (default: the
   * backend's lock timeout) each time.
   */
  async connect(options: ShardConnectOptions = {}): Promise<PgliteShardConnection> {
    if (options.signal?.aborted) throw canceledError(this.shard);
    const serverParameters = await this.#readServerParameters(options);
    const closed = this.#closedError();
    if (closed) throw closed;
    const connection = new PgliteShardConnection(
      {
        shard: this.shard,
        db: this.#connection.db,
        preparedStatements: this.#preparedStatements,
        lock: (timeoutMs, signal) => this.#lock.lockForStatements(signal, timeoutMs),
        closedError: () => this.#closedError(),
        notePrepared: () => this.#loadPrepared(),
        forget: (ended) => this.#raw.delete(ended),
      },
      { ...serverParameters },
      options.timeoutMs ?? this.#lock.lockTimeoutMs,
      options.owner,
    );
    this.#raw.add(connection);
    return connection;
  }

  query(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<QueryResult> {
    return this.#autocommit(options?.signal, () => this.#connection.query(sql, encodeParams(params)));
  }

  exec(sql: string, options?: QueryOptions): Promise<QueryResult[]> {
    return this.#autocommit(options?.signal, () => this.#connection.exec(sql));
  }

  async *stream(sql: string, params?: readonly Param[], options?: StreamOptions): AsyncGenerator<RowBatch> {
    const release = await this.#lock.lockForStatements(options?.signal);
    try {
      yield* this.#connection.batches(sql, encodeParams(params), {
        batchSize: options?.batchSize ?? defaultBatchSize,
        signal: options?.signal,
      });
    } finally {
      release();
    }
  }

  async session(): Promise<ShardSession> {
    const release = await this.#lock.lockForStatements(undefined);
    return new PgliteSession(
      {
        preparedBlock: () => (this.#lock.preparedPending ? this.#lock.preparedPendingError() : undefined),
        notePrepared: (gid) => this.#lock.notePrepared(gid),
      },
      this.#connection,
      release,
    );
  }

  commitPrepared(gid: string): Promise<void> {
    return this.#finishPrepared(gid, commitPreparedSql(this.shard, gid));
  }

  rollbackPrepared(gid: string): Promise<void> {
    return this.#finishPrepared(gid, rollbackPreparedSql(this.shard, gid));
  }

  async listPrepared(prefix = ''): Promise<PreparedTransaction[]> {
    const release = await this.#lock.lock(undefined);
    try {
      const { rows } = await this.#connection.query(listPreparedSql, [prefix]);
      return toPreparedTransactions(rows);
    } finally {
      release();
    }
  }

  /**
   * Fails everyone waiting and every raw connection, lets the running statement finish, rolls
   * back, checkpoints, closes.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const closed = this.#connection.closedError();
      this.#lock.failWaiters(closed);
      for (const connection of [...this.#raw]) connection.fail(closed);
      try {
        await this.#connection.shutdown();
      } finally {
        this.#unlock();
      }
    })();
    return this.#closing;
  }

  #closedError(): ShardError | undefined {
    return this.#closing || this.#connection.closed ? this.#connection.closedError() : undefined;
  }

  /** What the shard reports about itself (read once, under the lock). */
  #readServerParameters(options: ShardConnectOptions): Promise<Readonly<Record<string, string>>> {
    this.#serverParameters ??= (async () => {
      const release = await this.#lock.lock(options.signal, options.timeoutMs);
      try {
        return await readServerParameters(this.#connection);
      } finally {
        release();
      }
    })();
    // A failed read (a lock timeout, say) is tried again by the next connect.
    this.#serverParameters.catch(() => (this.#serverParameters = undefined));
    return this.#serverParameters;
  }

  /** Reads the pending prepared transactions after a raw connection prepared one (under its lock). */
  async #loadPrepared(): Promise<void> {
    const { rows } = await this.#connection.query(listPreparedSql, ['']);
    for (const { gid } of toPreparedTransactions(rows)) this.#lock.notePrepared(gid);
  }

  async #finishPrepared(gid: string, sql: string): Promise<void> {
    const release = await this.#lock.lock(undefined);
    try {
      await this.#connection.exec(sql);
      this.#lock.resolved(gid);
    } catch (error) {
      // 42704: no such prepared transaction (already finished, e.g. by an earlier recovery run).
      if (error instanceof ShardError && error.code === '42704') this.#lock.resolved(gid);
      throw error;
    } finally {
      release();
    }
  }

  /** Runs one call under the lock; a transaction it leaves open is rolled back and reported. */
  async #autocommit<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const release: Release = await this.#lock.lockForStatements(signal);
    try {
      let outcome: { ok: true; value: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await fn() };
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (this.#connection.inTransaction()) {
        await this.#connection.exec('ROLLBACK');
        if (outcome.ok) throw leftOpenTransactionError(this.shard);
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    } finally {
      release();
    }
  }
}
