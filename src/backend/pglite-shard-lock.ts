// The lock of an embedded shard: PGlite has one connection, so everything that uses it takes this
// FIFO lock first (statements and sessions of PgliteBackend, and the raw connections the wire front
// end forwards through). It also keeps the rule for two-phase commit: while a transaction prepared
// on the shard is pending, statements wait (within the lock timeout) until it is resolved, since a
// statement waiting for one of its locks would wait forever (see pglite-backend.ts).
import { FifoMutex, type Release } from './fifo-mutex.js';
import { BackendSqlState, canceledError, ShardError } from './shard-error.js';

/** The lock and the prepared-transaction gate of one embedded shard. */
export class PgliteShardLock {
  readonly #mutex = new FifoMutex();
  /** Gids of transactions prepared here and not yet committed or rolled back. */
  readonly #pendingPrepared = new Set<string>();
  readonly #preparedWaiters = new Set<() => void>();

  /**
   * @param closedError the error for callers once the shard is closed (undefined while open)
   */
  constructor(
    readonly shard: string,
    readonly lockTimeoutMs: number,
    private readonly closedError: () => ShardError | undefined,
  ) {}

  /** True while a prepared transaction awaits COMMIT PREPARED or ROLLBACK PREPARED. */
  get preparedPending(): boolean {
    return this.#pendingPrepared.size > 0;
  }

  /** Records a transaction prepared on the shard. */
  notePrepared(gid: string): void {
    this.#pendingPrepared.add(gid);
  }

  /** Records that a prepared transaction was committed or rolled back; wakes waiters when none is left. */
  resolved(gid: string): void {
    this.#pendingPrepared.delete(gid);
    if (this.#pendingPrepared.size === 0) this.#wakePreparedWaiters();
  }

  /** The lock, for work that may run while prepared transactions are pending. */
  lock(signal: AbortSignal | undefined, timeoutMs = this.lockTimeoutMs): Promise<Release> {
    const closed = this.closedError();
    if (closed) return Promise.reject(closed);
    return this.#mutex.acquire({
      timeoutMs,
      signal,
      onTimeout: () =>
        new ShardError(
          this.shard,
          BackendSqlState.lockNotAvailable,
          `waited ${this.lockTimeoutMs} ms for the embedded database, but another session holds it; an embedded (PGlite) shard runs one session or statement at a time, so release sessions promptly or raise lockTimeoutMs`,
        ),
      onAbort: () => canceledError(this.shard),
    });
  }

  /** The lock, once no prepared transaction is pending (see the file comment). */
  async lockForStatements(signal: AbortSignal | undefined, timeoutMs = this.lockTimeoutMs): Promise<Release> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const release = await this.lock(signal, deadline - Date.now());
      if (this.#pendingPrepared.size === 0) return release;
      release();
      await this.#waitForPrepared(deadline, signal);
    }
  }

  /** The error for statements refused while prepared transactions are pending. */
  preparedPendingError(): ShardError {
    const gids = [...this.#pendingPrepared].slice(0, 5).join(', ');
    return new ShardError(
      this.shard,
      BackendSqlState.lockNotAvailable,
      `prepared transaction(s) ${gids} on this embedded shard await COMMIT PREPARED or ROLLBACK PREPARED; an embedded shard runs nothing else until they are resolved, so release the session that prepared and call commitPrepared or rollbackPrepared (the coordinator's recovery resolves in-doubt transactions at start-up)`,
    );
  }

  /** Fails every caller waiting for the lock or for prepared transactions (the shard is closing). */
  failWaiters(error: ShardError): void {
    this.#mutex.failWaiters(error);
    this.#wakePreparedWaiters();
  }

  #wakePreparedWaiters(): void {
    for (const wake of [...this.#preparedWaiters]) wake();
  }

  #waitForPrepared(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#preparedWaiters.delete(wake);
        if (error) reject(error);
        else resolve();
      };
      const wake = () => finish(this.closedError());
      const onAbort = () => finish(canceledError(this.shard));
      const timer = setTimeout(() => finish(this.preparedPendingError()), Math.max(0, deadline - Date.now()));
      this.#preparedWaiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }
}
