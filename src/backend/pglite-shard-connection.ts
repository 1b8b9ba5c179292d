// A raw protocol connection over an embedded shard's one server session (PGlite), for the wire
// front end to forward a client's messages through. Several client sessions share the server
// session, so each connection holds the shard's lock (the FifoMutex its statements and sessions
// take) only while it has something in progress there: from its first message until the server is
// idle outside a transaction block (ReadyForQuery 'I' with nothing queued, no extended-protocol
// batch waiting for its Sync, no COPY waiting for data). A client idle between statements blocks no
// one; a client inside a transaction blocks every other user of the shard until it ends.
//
// Messages sent in the same tick run in one call to PGlite; its answers are framed for `receive`.
// COPY FROM STDIN needs care, see pglite-copy-in.ts. A Terminate closes the connection, never the
// shared server session. `cancel()` can only stop a wait for the lock: a statement runs on the
// JavaScript thread, so by the time a cancel runs, nothing of this connection is running.
import type { PGlite } from '@electric-sql/pglite';
import { serialize } from 'pg-protocol';
import { type Frame, MessageFramer } from '../protocol/message-framer.js';
import { errorResponseMessage } from './error-response.js';
import type { Release } from './fifo-mutex.js';
import {
  abortedCopyIn,
  copySentinel,
  extendedCopyInRefusal,
  mayStartCopyIn,
  probeSavepoint,
} from './pglite-copy-in.js';
import {
  BackendType,
  FrontendType,
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

const syncMessage = serialize.sync();
const rollbackMessage = serialize.query('ROLLBACK');
const savepointMessage = serialize.query(`SAVEPOINT ${probeSavepoint}`);
const releaseSavepointMessage = serialize.query(`RELEASE SAVEPOINT ${probeSavepoint}`);
const undoProbeMessage = serialize.query(
  `ROLLBACK TO SAVEPOINT ${probeSavepoint}; RELEASE SAVEPOINT ${probeSavepoint}`,
);

/** A COPY FROM STDIN whose CopyInResponse the client has, waiting for the data. */
interface PendingCopyIn {
  readonly query: Uint8Array;
  readonly parts: Uint8Array[];
}

/** A raw protocol connection to an embedded shard; see ShardConnection and the file comment. */
export class PgliteShardConnection implements ShardConnection {
  readonly shared = true;
  transactionStatus: TransactionStatus = 'I';
  readonly #host: PgliteConnectionHost;
  readonly #timeoutMs: number;
  readonly #framer = new MessageFramer();
  #queue: Uint8Array[] = [];
  #release: Release | undefined;
  /** The server is in the middle of something of ours: see the file comment. */
  #open = false;
  /** The server's status after our last call (the client may not have read it yet). */
  #serverStatus: TransactionStatus = 'I';
  #prepared = false;
  #copy: PendingCopyIn | undefined;
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
  ) {
    this.#host = host;
    this.#timeoutMs = timeoutMs;
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
    this.#copy = undefined;
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
    this.#copy = undefined;
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
          try {
            this.#release = await this.#host.lock(this.#timeoutMs, waiting.signal);
          } catch (error) {
            this.#refuse(toShardError(this.shard, error));
            continue;
          } finally {
            this.#waiting = undefined;
          }
          if (this.#done || this.#error) break;
        }
        const closed = this.#host.closedError();
        if (closed) {
          this.fail(closed);
          break;
        }
        const input = concat(this.#queue.splice(0));
        try {
          await this.#process(input);
          if (this.#prepared) {
            this.#prepared = false;
            await this.#host.notePrepared();
          }
        } catch (error) {
          this.fail(toShardError(this.shard, error));
          break;
        }
        if (!this.#open && !this.#copy && this.#queue.length === 0) this.#unlock();
      }
    } finally {
      this.#draining = false;
      if (this.#done || this.#error) await this.#finish();
    }
  }

  /** Runs `input`, setting COPY FROM STDIN apart (see pglite-copy-in.ts). */
  async #process(input: Uint8Array): Promise<void> {
    let start = 0;
    let offset = 0;
    while (offset + 5 <= input.length) {
      const type = input[offset]!;
      const end = offset + 1 + new DataView(input.buffer, input.byteOffset + offset + 1, 4).getInt32(0);
      if (this.#copy) {
        if (type === FrontendType.copyDone || type === FrontendType.copyFail) {
          this.#copy.parts.push(input.subarray(start, end));
          start = end;
          await this.#finishCopy();
        }
      } else if (type === FrontendType.terminate) {
        if (offset > start) await this.#run(input.subarray(start, offset));
        this.close();
        return;
      } else if (type === FrontendType.query && mayStartCopyIn(input.subarray(offset + 5, end))) {
        if (offset > start) await this.#run(input.subarray(start, offset));
        start = end;
        await this.#probe(input.subarray(offset, end));
      }
      offset = end;
    }
    if (start >= input.length) return;
    if (this.#copy) this.#copy.parts.push(input.subarray(start));
    else await this.#run(input.subarray(start));
  }

  /** Runs messages that start no COPY FROM STDIN of a simple Query. */
  async #run(messages: Uint8Array): Promise<void> {
    const frames = await this.#exec(concat([messages, copySentinel]));
    const copyAt = abortedCopyIn(frames);
    if (copyAt >= 0) {
      // An Execute started a COPY FROM STDIN: refuse it instead of relaying CopyInResponse.
      const errorAt = frames.findIndex((f, i) => i > copyAt && f.type === BackendType.errorResponse);
      frames.splice(copyAt, errorAt - copyAt + 1, extendedCopyInRefusal(this.shard));
      // The COPY swallowed the Sync that followed it; end the batch for the client.
      const ready = frames.filter((f) => f.type === BackendType.readyForQuery).length;
      if (ready < readyForQueryRequests(messages)) frames.push(...(await this.#exec(syncMessage)));
    }
    this.#emit(frames);
  }

  /** Runs a Query that may start a COPY FROM STDIN, as a probe that leaves no trace if it does. */
  async #probe(query: Uint8Array): Promise<void> {
    if (this.#serverStatus === 'E') return this.#run(query);
    const inBlock = this.#host.db.isInTransaction();
    const all = await this.#exec(
      concat(inBlock ? [savepointMessage, query, copySentinel] : [query, copySentinel]),
    );
    // Inside a transaction block the answers start with SAVEPOINT's CommandComplete and ReadyForQuery.
    const frames = inBlock ? all.slice(all.findIndex((f) => f.type === BackendType.readyForQuery) + 1) : all;
    const copyAt = abortedCopyIn(frames);
    if (copyAt < 0) {
      if (inBlock && this.#serverStatus === 'T') await this.#exec(releaseSavepointMessage);
      return this.#emit(frames);
    }
    this.#emit(frames.slice(0, copyAt + 1));
    if (inBlock) await this.#exec(undoProbeMessage);
    // "BEGIN; COPY …" opened a transaction block in the probe.
    else if (this.#serverStatus !== 'I') await this.#exec(rollbackMessage);
    this.#copy = { query: query.slice(), parts: [] };
  }

  /** Runs a COPY FROM STDIN again, now with its data, relaying what follows its CopyInResponse. */
  async #finishCopy(): Promise<void> {
    const copy = this.#copy!;
    this.#copy = undefined;
    const frames = await this.#exec(concat([copy.query, ...copy.parts, copySentinel]));
    const copyAt = frames.findIndex((f) => f.type === BackendType.copyInResponse);
    this.#emit(copyAt >= 0 ? frames.slice(copyAt + 1) : frames);
  }

  /** One call to PGlite; its answers, framed. */
  async #exec(messages: Uint8Array): Promise<Frame[]> {
    const frames: Frame[] = [];
    await this.#host.db.execProtocolRawStream(messages, {
      syncToFs: false,
      // The chunk is a view into PGlite's memory, reused by the next write: copy it.
      onRawData: (chunk) => {
        for (const frame of this.#framer.push(chunk.slice())) frames.push(frame);
      },
    });
    for (const frame of frames) {
      if (frame.type === BackendType.readyForQuery) this.#serverStatus = readyStatus(frame.body);
      else if (frame.type === BackendType.commandComplete && isPrepareTransactionTag(frame.body))
        this.#prepared = true;
    }
    const last = frames.at(-1);
    if (last) this.#open = !(last.type === BackendType.readyForQuery && this.#serverStatus === 'I');
    return frames;
  }

  /** Answers messages that could not run (the lock wait failed) as a server answers a failed batch. */
  #refuse(error: ShardError): void {
    if (error.code === BackendSqlState.connectionDoesNotExist) {
      this.fail(error);
      return;
    }
    const input = concat(this.#queue.splice(0));
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
      if (this.#open && !this.#host.closedError()) {
        await this.#exec(syncMessage);
        if (this.#host.db.isInTransaction()) await this.#exec(rollbackMessage);
      }
    } catch {
      // The database failed; the lock goes back anyway, and its next user hears of it.
    } finally {
      this.#open = false;
      release();
    }
  }

  #unlock(): void {
    const release = this.#release;
    this.#release = undefined;
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

/** True for the CommandComplete body "PREPARE TRANSACTION". */
function isPrepareTransactionTag(body: Uint8Array): boolean {
  return body.length === 20 && body[0] === 0x50 && body[8] === 0x54 && body[12] === 0x53;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
