// A first-in-first-out async mutex with a wait timeout and AbortSignal support. An embedded shard has
// one database connection, so every statement and every session takes this lock; FIFO order keeps a
// steady stream of short statements from starving a session that waits for the connection.

/** Gives the lock back. Calling it more than once does nothing. */
export type Release = () => void;

/** How one `acquire` waits. */
export interface AcquireOptions {
  /** Give up after this many milliseconds (no limit when omitted). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The error to reject with when the timeout passes. */
  readonly onTimeout: () => Error;
  /** The error to reject with when `signal` aborts. */
  readonly onAbort: () => Error;
}

interface Waiter {
  grant(release: Release): void;
  fail(error: Error): void;
}

/**
 * A mutex granting the lock in the order it was asked for.
 *
 * @example
 *   const release = await mutex.acquire({ timeoutMs: 5000, onTimeout, onAbort });
 *   try { … } finally { release(); }
 */
export class FifoMutex {
  #held = false;
  readonly #queue: Waiter[] = [];

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#held;
  }

  /** How many callers are waiting for the lock. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Resolves with a release function once the lock is ours. */
  acquire(options: AcquireOptions): Promise<Release> {
    if (options.signal?.aborted) return Promise.reject(options.onAbort());
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const index = this.#queue.indexOf(waiter);
        if (index >= 0) this.#queue.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: (release) => {
          settle();
          resolve(release);
        },
        fail: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => waiter.fail(options.onAbort());
      this.#queue.push(waiter);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => waiter.fail(options.onTimeout()), Math.max(0, options.timeoutMs));
      }
    });
  }

  /** Rejects every waiting caller with `error` (used when the resource closes); the holder keeps the lock. */
  failWaiters(error: Error): void {
    for (const waiter of [...this.#queue]) waiter.fail(error);
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue[0];
      if (next) next.grant(this.#releaser());
      else this.#held = false;
    };
  }
}
