// A raw protocol connection over an embedded shard's one server session (PGlite), for the wire
// front end to forward a client's messages through. Several client sessions share the server
// session, so each connection holds the shard's lock (the FifoMutex its statements and sessions
// take) only while it has something in progress there: from its first message until the server is
// idle outside a transaction block (ReadyForQuery 'I' with nothing queued, no extended-protocol
// batch waiting for its Sync, no COPY waiting for data). A client idle between statements blocks no
// one; a client inside a transaction blocks every other user of the shard until it ends.
//
// Messages sent in the same tick run in one call to PGlite (pglite-protocol-runner.ts, which also
// handles COPY FROM STDIN and Terminate); the answers are framed for `receive`. `cancel()` can only
// stop a wait for the lock: a statement runs on the JavaScript thread, so by the time a cancel
// runs, nothing of this connection is running.
import type { PGlite } from '@electric-sql/pglite';
import type { Frame } from '../protocol/message-framer.js';
import { embeddedWaits } from './embedded-wait-graph.js';
import { errorResponseMessage } from './error-response.js';
import type { Release } from './fifo-mutex.js';
import { PgliteProtocolRunner } from './pglite-protocol-runner.js';
import {
  BackendType,
  concatBytes,
  parameterStatusOf,
  readyForQueryMessage,
  readyForQueryRequests,
  readyStatus,
} from './protocol-bytes.js';
import type { ShardConnection, TransactionStatus } from './shard-connection.js';
import { BackendSqlState, ShardError, toShardError } from './shard-error.js';

/** What a raw connection needs from its PgliteBackend. */
export interface PgliteConnectionHost {
  readonly shard: string;
  readonly db: PGlite;
  /** One set for the shard: every connection shares the server session and its statements. */
  readonly preparedStatements: Set<string>;
  /** The shard's lock for statements (it also waits for pending prepared transactions). */
  lock(timeoutMs: number, signal: AbortSignal): Promise<Release>;
  /** The error once the shard is closed, else undefined. */
  closedError(): ShardError | undefined;
  /** Reads the pending prepared transactions, after this connection prepared one (lock held). */
  notePrepared(): Promise<void>;
  /** The connection ended. */
  forget(connection: PgliteShardConnection): void;
}

/** The error for a lock wait that would deadlock (see embedded-wait-graph.ts). */
function deadlockError(shard: string): ShardError {
  return new ShardError(
    shard,
    '40P01',
    'deadlock detected: this transaction waits for an embedded shard held by a transaction that waits for one this transaction holds (an embedded shard is locked whole by the transaction using it); this transaction is rolled back, retry it',
  );
}

/** A raw protocol connection to an embedded shard; see ShardConnection and the file comment. */
export class PgliteShardConnection implements ShardConnection {
  readonly shared = true;
  transactionStatus: TransactionStatus = 'I';
  readonly #host: PgliteConnectionHost;
  readonly #timeoutMs: number;
  readonly #runner: PgliteProtocolRunner;
  #queue: Uint8Array[] = [];
  #release: Release | undefined;
  #draining = false;
  #waiting: AbortController | undefined;
  #frames: Frame[] = [];
  #resolve: ((frames: Frame[]) => void) | undefined;
  #reject: ((error: ShardError) => void) | undefined;
  #error: ShardError | undefined;
  #done = false;

  constructor(
    host: PgliteConnectionHost,
    readonly serverParameters: Record<string, string>,
    timeoutMs: number,
    private readonly owner?: object,
  ) {
    this.#host = host;
    this.#timeoutMs = timeoutMs;
    this.#runner = new PgliteProtocolRunner(host.shard, host.db, (frames) => this.#emit(frames));
  }

  get broken(): boolean {
    return this.#done || this.#error !== undefined || this.#host.closedError() !== undefined;
  }

  get shard(): string {
    return this.#host.shard;
  }

  get preparedStatements(): Set<string> {
    return this.#host.preparedStatements;
  }

  /** True while this connection holds the shard's lock. */
  get holdsLock(): boolean {
    return this.#release !== undefined;
  }

  /** @throws ShardError 08003 after `release()` or `close()` */
  send(messages: Uint8Array): void {
    if (this.#done) throw this.#doneError();
    if (this.#error) return;
    this.#queue.push(messages);
    if (!this.#draining) void this.#drain();
  }

  receive(): Promise<Frame[]> {
    if (this.#frames.length > 0) {
      const frames = this.#frames;
      this.#frames = [];
      this.#account(frames);
      return Promise.resolve(frames);
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#done) return Promise.reject(this.#doneError());
    if (this.#resolve) {
      return Promise.reject(
        new ShardError(
          this.shard,
          BackendSqlState.objectNotInPrerequisiteState,
          'receive() was called while another receive() was waiting',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Stops a wait for the shard's lock (the waiting messages fail with 57014); see the file comment. */
  async cancel(): Promise<void> {
    this.#waiting?.abort();
  }

  /** The same as `close()`: there is no connection of its own to keep; the lock is given back. */
  release(): void {
    this.close();
  }

  /** Ends the connection; whatever it left open on the server (a transaction, a batch) is rolled back. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#queue = [];
    this.#rejectWaiter(this.#doneError());
    this.#host.forget(this);
    this.#waiting?.abort();
    if (!this.#draining) void this.#finish();
  }

  /** Breaks the connection (its shard closed): the next `receive` fails with 08006. */
  fail(cause: ShardError): void {
    if (this.#error || this.#done) return;
    this.#error = new ShardError(this.shard, BackendSqlState.connectionFailure, cause.serverMessage, {
      cause,
    });
    this.#queue = [];
    this.#rejectWaiter(this.#error);
    this.#host.forget(this);
    this.#waiting?.abort();
    if (!this.#draining) void this.#finish();
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0 && !this.#done && !this.#error) {
        if (this.#release) {
          await undefined; // messages sent in the same tick join this call
        } else {
          const waiting = new AbortController();
          this.#waiting = waiting;
          const owner = this.owner;
          const shardLock = this.#host.db;
          try {
            if (owner) {
              if (embeddedWaits.wouldDeadlock(owner, shardLock)) throw deadlockError(this.shard);
              embeddedWaits.wait(owner, shardLock);
            }
            this.#release = await this.#host.lock(this.#timeoutMs, waiting.signal);
            if (owner) embeddedWaits.hold(shardLock, owner);
          } catch (error) {
            this.#refuse(toShardError(this.shard, error));
            continue;
          } finally {
            if (owner) embeddedWaits.stopWaiting(owner);
            this.#waiting = undefined;
          }
          if (this.#done || this.#error) break;
        }
        const closed = this.#host.closedError();
        if (closed) {
          this.fail(closed);
          break;
        }
        const input = concatBytes(this.#queue.splice(0));
        try {
          const outcome = await this.#runner.run(input);
          if (this.#runner.takePrepared()) await this.#host.notePrepared();
          if (outcome === 'terminate') this.close();
        } catch (error) {
          this.fail(toShardError(this.shard, error));
          break;
        }
        if (!this.#runner.open && this.#queue.length === 0) this.#unlock();
      }
    } finally {
      this.#draining = false;
      if (this.#done || this.#error) await this.#finish();
    }
  }

  /** Answers messages that could not run (the lock wait failed) as a server answers a failed batch. */
  #refuse(error: ShardError): void {
    if (error.code === BackendSqlState.connectionDoesNotExist) {
      this.fail(error);
      return;
    }
    const input = concatBytes(this.#queue.splice(0));
    const errorRaw = errorResponseMessage(error);
    const answer: Frame = { type: BackendType.errorResponse, raw: errorRaw, body: errorRaw.subarray(5) };
    const readyRaw = readyForQueryMessage('I');
    const ready: Frame = { type: BackendType.readyForQuery, raw: readyRaw, body: readyRaw.subarray(5) };
    const batches = readyForQueryRequests(input);
    const frames: Frame[] = batches === 0 ? [answer] : [];
    for (let i = 0; i < batches; i++) frames.push(answer, ready);
    this.#emit(frames);
  }

  #emit(frames: Frame[]): void {
    if (frames.length === 0 || this.#done) return;
    const resolve = this.#resolve;
    if (resolve && this.#frames.length === 0) {
      this.#resolve = this.#reject = undefined;
      this.#account(frames);
      resolve(frames);
    } else {
      for (const frame of frames) this.#frames.push(frame);
    }
  }

  /** Tracks ReadyForQuery and ParameterStatus as messages are handed out. */
  #account(frames: readonly Frame[]): void {
    for (const frame of frames) {
      if (frame.type === BackendType.readyForQuery) this.transactionStatus = readyStatus(frame.body);
      else if (frame.type === BackendType.parameterStatus) {
        const [name, value] = parameterStatusOf(frame.body);
        this.serverParameters[name] = value;
      }
    }
  }

  /** After close or failure: ends what was left open on the server, then gives the lock back. */
  async #finish(): Promise<void> {
    const release = this.#release;
    if (!release) return;
    this.#release = undefined;
    try {
      if (!this.#host.closedError()) await this.#runner.reset();
    } catch {
      // The database failed; the lock goes back anyway, and its next user hears of it.
    } finally {
      if (this.owner) embeddedWaits.release(this.#host.db, this.owner);
      release();
    }
  }

  #unlock(): void {
    const release = this.#release;
    this.#release = undefined;
    if (release && this.owner) embeddedWaits.release(this.#host.db, this.owner);
    release?.();
  }

  #rejectWaiter(error: ShardError): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(error);
  }

  #doneError(): ShardError {
    return new ShardError(
      this.shard,
      BackendSqlState.connectionDoesNotExist,
      'this shard connection was released or closed; take a new one with connect()',
    );
  }
}
