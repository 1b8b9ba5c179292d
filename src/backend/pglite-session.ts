// A session on an embedded shard: it holds the shard's only connection (PgliteBackend's lock) from
// `session()` until `release()`, so a transaction can span calls.

import { loggerFor } from '../util/logger.js';
import { encodeParams } from './encode-params.js';
import type { Release } from './fifo-mutex.js';
import type { PgliteConnection } from './pglite-connection.js';
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
import type { ShardError } from './shard-error.js';

/** What a session needs from the backend that opened it. */
export interface PgliteSessionHost {
  /** Why statements must not run now (a transaction prepared here awaits its outcome), if so. */
  preparedBlock(): ShardError | undefined;
  /** Records a transaction this session prepared. */
  notePrepared(gid: string): void;
}

/** Default rows per batch of `stream`. */
export const defaultBatchSize = 1000;

/** One embedded shard's connection held across calls; see PgliteBackend. */
export class PgliteSession implements ShardSession {
  readonly #guard: SessionGuard;

  constructor(
    private readonly host: PgliteSessionHost,
    private readonly connection: PgliteConnection,
    private readonly unlock: Release,
  ) {
    this.#guard = new SessionGuard(connection.shard, () =>
      connection.closed ? connection.closedError() : host.preparedBlock(),
    );
  }

  query(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<QueryResult> {
    return this.#guard.run(options?.signal, () => this.connection.query(sql, encodeParams(params)));
  }

  exec(sql: string, options?: QueryOptions): Promise<QueryResult[]> {
    return this.#guard.run(options?.signal, () => this.connection.exec(sql));
  }

  stream(sql: string, params?: readonly Param[], options?: StreamOptions): AsyncIterable<RowBatch> {
    return this.#guard.stream(() =>
      this.connection.batches(sql, encodeParams(params), {
        batchSize: options?.batchSize ?? defaultBatchSize,
        signal: options?.signal,
        ownerError: () =>
          this.#guard.releasedError() ?? (this.connection.closed ? this.connection.closedError() : undefined),
      }),
    );
  }

  async prepareTransaction(gid: string): Promise<void> {
    const sql = prepareTransactionSql(this.connection.shard, gid);
    await this.#guard.run(undefined, async () => {
      if (!this.connection.inTransaction()) throw noTransactionToPrepare(this.connection.shard);
      const [result] = await this.connection.exec(sql);
      if (result?.command !== 'PREPARE TRANSACTION') throw preparedRolledBack(this.connection.shard, gid);
      this.host.notePrepared(gid);
    });
  }

  async release(): Promise<void> {
    if (!(await this.#guard.release())) return;
    try {
      if (!this.connection.closed) {
        // An abandoned stream's portal and an open transaction must not reach the next caller.
        await this.connection.sync();
        if (this.connection.inTransaction()) await this.connection.exec('ROLLBACK');
      }
    } catch (error) {
      loggerFor('backend', { shard: this.connection.shard }).warn(
        { err: error },
        'rolling back a released session failed',
      );
    } finally {
      this.unlock();
    }
  }
}
