// One raw protocol connection to a PostgreSQL server after startup: bytes out as they are given,
// messages in as framed views, and the little state a pool needs to know whether it can be reused
// (the transaction status and how many ReadyForQuery messages the server still owes). Handed to one
// holder at a time through PostgresShardConnection; kept between holders by PostgresLinkPool.
import type { Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import type { Frame, MessageFramer } from '../protocol/message-framer.js';
import { sendCancelRequest } from './postgres-cancel.js';
import type { StartedConnection } from './postgres-startup.js';
import type { PostgresTarget } from './postgres-target.js';
import {
  BackendType,
  FrontendType,
  parameterStatusOf,
  readyForQueryRequests,
  readyStatus,
} from './protocol-bytes.js';
import type { TransactionStatus } from './shard-connection.js';
import { BackendSqlState, ShardError } from './shard-error.js';

/** Received bytes held for a holder that does not read; above this the socket stops reading. */
const highWaterBytes = 1 << 20;

const terminate = Uint8Array.of(FrontendType.terminate, 0, 0, 0, 4);

/** A logged-in connection to one PostgreSQL shard. */
export class PostgresLink {
  /** Names of statements prepared on this connection; they stay with it from holder to holder. */
  readonly preparedStatements = new Set<string>();
  readonly serverParameters: Record<string, string>;
  /** From the last ReadyForQuery handed out by `receive`. */
  status: TransactionStatus = 'I';
  readonly #socket: Socket;
  readonly #framer: MessageFramer;
  readonly #cancelKey: { readonly processID: number; readonly secretKey: number };
  /** ReadyForQuery messages asked for (Sync, Query, FunctionCall) and not yet handed out. */
  #owed = 0;
  #frames: Frame[];
  #bufferedBytes = 0;
  #resolve: ((frames: Frame[]) => void) | undefined;
  #reject: ((error: ShardError) => void) | undefined;
  #error: ShardError | undefined;
  #closed = false;
  #onClosed: ((link: PostgresLink) => void) | undefined;

  /**
   * @param onClosed called once, when the connection ends for any reason
   */
  constructor(
    readonly shard: string,
    readonly address: string,
    readonly target: PostgresTarget,
    /** The `application_name` it was opened with (a reused link keeps it). */
    readonly applicationName: string,
    started: StartedConnection,
    onClosed: (link: PostgresLink) => void,
  ) {
    this.#socket = started.socket;
    this.#framer = started.framer;
    this.#frames = started.early;
    this.serverParameters = started.parameters;
    this.#cancelKey = { processID: started.processId, secretKey: started.secretKey };
    this.#onClosed = onClosed;
    this.#socket.on('data', this.#onData);
    this.#socket.on('error', (error) => this.#fail(error.message, error));
    this.#socket.on('close', () => this.#fail('the server closed the connection'));
    this.#socket.resume();
  }

  /** True when the link can go to another holder as it is: idle, nothing owed, nothing unread. */
  get reusable(): boolean {
    return (
      !this.#closed &&
      !this.#error &&
      this.status === 'I' &&
      this.#owed === 0 &&
      this.#frames.length === 0 &&
      this.#resolve === undefined &&
      this.#framer.pendingBytes === 0
    );
  }

  /** True once the connection has ended (closed, or broken). */
  get ended(): boolean {
    return this.#closed || this.#error !== undefined;
  }

  /** Writes framed frontend messages. Dropped silently on a broken link: `receive` reports it. */
  send(messages: Uint8Array): void {
    if (this.ended) return;
    this.#owed += readyForQueryRequests(messages);
    this.#socket.write(messages);
  }

  /** Every message received and not yet handed out (at least one); see ShardConnection.receive. */
  receive(): Promise<Frame[]> {
    if (this.#frames.length > 0) return Promise.resolve(this.#take());
    if (this.#error) return Promise.reject(this.#error);
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#resolve) {
      return Promise.reject(
        new ShardError(
          this.shard,
          BackendSqlState.objectNotInPrerequisiteState,
          'receive() was called while another receive() was waiting; call it again only once the previous one has settled',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /**
   * Runs `sql` (a simple Query) and reads up to its ReadyForQuery, swallowing the answers. True when
   * it succeeded and left the connection reusable.
   */
  async run(sql: string): Promise<boolean> {
    this.send(serialize.query(sql));
    let failed = false;
    for (;;) {
      const frames = await this.receive();
      for (const frame of frames) if (frame.type === BackendType.errorResponse) failed = true;
      if (frames.at(-1)?.type === BackendType.readyForQuery && this.#owed === 0)
        return !failed && this.reusable;
    }
  }

  /** Sends a CancelRequest for what this connection is running (on a new socket). */
  cancel(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return sendCancelRequest({ host: this.target.host, port: this.target.port, ...this.#cancelKey });
  }

  /** Says goodbye (Terminate) and closes the socket. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#error) this.#socket.end(terminate);
    this.#rejectWaiter(this.#closedError());
    this.#ended();
  }

  readonly #onData = (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = this.#framer.push(chunk);
    } catch (error) {
      this.#socket.destroy();
      this.#fail(error instanceof Error ? error.message : String(error), error);
      return;
    }
    if (frames.length === 0) return;
    const resolve = this.#resolve;
    if (resolve && this.#frames.length === 0) {
      this.#resolve = this.#reject = undefined;
      this.#account(frames);
      resolve(frames);
      return;
    }
    // Views into `chunk` stay valid: Node gives every read a buffer of its own, and the framer
    // copies a partial message before it keeps it.
    for (const frame of frames) this.#frames.push(frame);
    this.#bufferedBytes += chunk.length;
    if (this.#bufferedBytes > highWaterBytes) this.#socket.pause();
  };

  #take(): Frame[] {
    const frames = this.#frames;
    this.#frames = [];
    if (this.#bufferedBytes > highWaterBytes && !this.ended) this.#socket.resume();
    this.#bufferedBytes = 0;
    this.#account(frames);
    return frames;
  }

  /** Tracks ReadyForQuery and ParameterStatus as messages are handed out. */
  #account(frames: readonly Frame[]): void {
    for (const frame of frames) {
      if (frame.type === BackendType.readyForQuery) {
        this.status = readyStatus(frame.body);
        if (this.#owed > 0) this.#owed -= 1;
      } else if (frame.type === BackendType.parameterStatus) {
        const [name, value] = parameterStatusOf(frame.body);
        this.serverParameters[name] = value;
      }
    }
  }

  #fail(reason: string, cause?: unknown): void {
    if (this.#error || this.#closed) return;
    this.#error = new ShardError(
      this.shard,
      BackendSqlState.connectionFailure,
      `lost the connection to PostgreSQL at ${this.address} (${reason}); an open transaction on it is rolled back, and a statement that was running may or may not have completed. Check that the server is up`,
      { cause },
    );
    this.#socket.destroy();
    this.#rejectWaiter(this.#error);
    this.#ended();
  }

  /** Tells the owner once, however the connection ended. */
  #ended(): void {
    const onClosed = this.#onClosed;
    this.#onClosed = undefined;
    onClosed?.(this);
  }

  #rejectWaiter(error: ShardError): void {
    const reject = this.#reject;
    this.#resolve = this.#reject = undefined;
    reject?.(error);
  }

  #closedError(): ShardError {
    return new ShardError(
      this.shard,
      BackendSqlState.connectionFailure,
      'this shard connection was closed; open a new one',
    );
  }
}
