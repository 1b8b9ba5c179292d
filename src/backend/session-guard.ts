// The rules every ShardSession keeps, whatever the backend: calls run one after another in the
// order they were made, nothing runs after release, and no statement starts while a stream of the
// same session is still open (its connection is busy with the stream's portal: waiting would hang
// a loop that queries while it reads, so that is an error instead).
import { BackendSqlState, ShardError, throwIfAborted } from './shard-error.js';

/** Serialises one session's calls and refuses those that cannot run. */
export class SessionGuard {
  #released = false;
  #streaming = false;
  #openStream: AsyncGenerator<unknown> | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * @param shard the shard's name, for error messages
   * @param blocked a backend-specific reason to refuse statements right now (undefined when none)
   */
  constructor(
    readonly shard: string,
    private readonly blocked: () => ShardError | undefined = () => undefined,
  ) {}

  /** True once `release` has begun. */
  get released(): boolean {
    return this.#released;
  }

  /** The error for a call made after `release`, or undefined while the session is held. */
  releasedError(): ShardError | undefined {
    if (!this.#released) return undefined;
    return new ShardError(
      this.shard,
      BackendSqlState.connectionDoesNotExist,
      'this session was released; take a new one with session()',
    );
  }

  /** Why a statement cannot start now, or undefined when it can. */
  refusal(): ShardError | undefined {
    const released = this.releasedError();
    if (released) return released;
    if (this.#streaming) {
      return new ShardError(
        this.shard,
        BackendSqlState.objectNotInPrerequisiteState,
        'a stream is still open on this session; read it to the end or break out of its loop before running another statement',
      );
    }
    return this.blocked();
  }

  /** Runs `fn` after every call made before it, unless the session refuses it. */
  run<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const task = this.#tail.then(() => {
      const refusedNow = this.refusal();
      if (refusedNow) throw refusedNow;
      throwIfAborted(this.shard, signal);
      return fn();
    });
    this.#tail = task.catch(() => undefined);
    return task;
  }

  /**
   * Yields from `open()` once earlier calls are done, refusing other statements until it ends.
   * `release` ends a stream still open (its caller stopped reading without leaving the loop).
   */
  stream<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
    const refused = this.refusal();
    if (refused) return failing(refused);
    const generator = this.#stream(open);
    this.#openStream = generator;
    return generator;
  }

  async *#stream<T>(open: () => AsyncIterable<T>): AsyncGenerator<T> {
    this.#streaming = true;
    try {
      await this.#tail;
      yield* open();
    } finally {
      this.#streaming = false;
      this.#openStream = undefined;
    }
  }

  /**
   * Marks the session released and waits for its running call. Returns false when it had been
   * released already, so `release()` can be called twice.
   */
  async release(): Promise<boolean> {
    if (this.#released) return false;
    this.#released = true;
    // Runs the open stream's cleanup (closing its portal) before the connection is reset.
    await this.#openStream?.return(undefined).catch(() => undefined);
    await this.#tail;
    return true;
  }
}

/** An iterable whose first step rejects with `error`. */
function failing<T>(error: Error): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) };
}
