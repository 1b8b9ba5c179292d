// One read of a PostgreSQL change source: the replication connection's payloads are decoded and
// assembled into events as they arrive, queued (the socket pauses when the queue is full), handed
// out in batches, and the flushed position the server hears about follows the consumer's
// acknowledgements (see pgoutput/flush-tracker.ts).
import type { Logger } from '../../util/logger.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import type { ChangeEvent } from '../change-event.js';
import type { ChangePosition } from '../change-position.js';
import { decodePgoutput } from '../pgoutput/decode-pgoutput.js';
import { FlushTracker } from '../pgoutput/flush-tracker.js';
import { PgoutputAssembler } from '../pgoutput/pgoutput-assembler.js';
import type { PgoutputMessage } from '../pgoutput/pgoutput-message.js';
import { decodeReplicationMessage, type ReplicationMessage } from '../pgoutput/replication-messages.js';
import { ReplicationConnection } from './replication-connection.js';

/** What a read needs. */
export interface ReplicationReaderOptions {
  readonly shard: string;
  readonly shardId: number;
  readonly connectionString: string;
  readonly slot: string;
  readonly publication: string;
  /** The slot's confirmed flush position when the read starts. */
  readonly confirmedFlush: bigint;
  /** Events at or before this are not delivered (the consumer has them). */
  readonly from: ChangePosition | null;
  readonly statusIntervalMs: number;
  readonly maxQueuedEvents: number;
  readonly connectTimeoutMs: number;
  readonly applicationName: string;
  readonly logger: Logger;
}

/** A running read. */
export class ReplicationReader {
  readonly #options: ReplicationReaderOptions;
  readonly #assembler: PgoutputAssembler;
  readonly #tracker: FlushTracker;
  #connection: ReplicationConnection | undefined;
  #queue: ChangeEvent[] = [];
  #head = 0;
  readonly #scratch: ChangeEvent[] = [];
  /** Events up to here are skipped (the consumer's `from`); null once passed. */
  #skipThrough: ChangePosition | null;
  #delivered: ChangePosition | null = null;
  #lastWalEnd = 0n;
  #sentFlush = -1n;
  #sentAt = 0;
  #paused = false;
  #error: CdcError | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ReplicationReaderOptions) {
    this.#options = options;
    this.#skipThrough = options.from;
    this.#assembler = new PgoutputAssembler(options.shard, options.shardId, (warning) =>
      options.logger.warn({ shard: options.shard }, warning),
    );
    this.#tracker = new FlushTracker(options.confirmedFlush, options.from);
  }

  /** The last position handed out. */
  get delivered(): ChangePosition | null {
    return this.#delivered;
  }

  /** Commit time of the oldest change received and not yet acknowledged. */
  oldestUnacknowledged(): Date | undefined {
    return this.#tracker.oldestWaiting() ?? this.#queue[this.#head]?.transaction.commitTime;
  }

  /** Opens the replication connection. */
  async start(): Promise<void> {
    const o = this.#options;
    this.#connection = await ReplicationConnection.open({
      shard: o.shard,
      connectionString: o.connectionString,
      slot: o.slot,
      publication: o.publication,
      startLsn: o.from ? BigInt(`0x${o.from.slice(0, 16)}`) : 0n,
      connectTimeoutMs: o.connectTimeoutMs,
      applicationName: o.applicationName,
      onData: (payload) => this.#onData(payload),
      onEnd: (error) => this.#fail(error),
    });
    this.#timer = setInterval(() => this.#sendStatus(false), o.statusIntervalMs);
    this.#timer.unref();
  }

  /**
   * The next batch of at most `max` events; undefined once stopped or `signal` aborted.
   *
   * @throws CdcError when the stream failed (after every event received before has been handed out).
   */
  async next(max: number, signal: AbortSignal | undefined): Promise<ChangeEvent[] | undefined> {
    while (this.#queue.length === this.#head) {
      if (this.#error) throw this.#error;
      if (this.#stopped || signal?.aborted) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal?.addEventListener('abort', resolve as () => void, { once: true });
      });
      signal?.removeEventListener('abort', this.#wake as () => void);
      this.#wake = undefined;
    }
    const end = Math.min(this.#queue.length, this.#head + max);
    const batch = this.#queue.slice(this.#head, end);
    this.#head = end;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
    this.#delivered = batch[batch.length - 1]!.position;
    if (this.#paused && this.#queue.length - this.#head <= this.#options.maxQueuedEvents / 2) {
      this.#paused = false;
      this.#connection?.resume();
    }
    return batch;
  }

  /** The consumer persisted everything up to `position`. */
  acknowledge(position: ChangePosition): void {
    this.#tracker.acknowledge(position);
    if (this.#idle()) this.#tracker.idle(this.#lastWalEnd);
  }

  /** Ends the read: reports the flushed position a last time and closes the connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#wake?.();
    await this.#connection?.close(this.#tracker.flushed);
  }

  #onData(payload: Uint8Array): void {
    try {
      // XLogData ('w') is nearly every message; its WAL positions are not needed, only the pgoutput
      // message after its 25-byte header.
      if (payload[0] === 0x77 && payload.length >= 25) this.#onChange(decodePgoutput(payload.subarray(25)));
      else this.#onKeepalive(decodeReplicationMessage(payload));
    } catch (error) {
      this.#fail(
        error instanceof CdcError
          ? error
          : new CdcError(
              CdcErrorCode.protocolViolation,
              `could not read the replication stream: ${String(error)}`,
              {
                shard: this.#options.shard,
                cause: error,
              },
            ),
      );
      void this.#connection?.close(this.#tracker.flushed);
    }
  }

  #onKeepalive(message: ReplicationMessage): void {
    if (message.kind !== 'keepalive') return;
    if (message.walEnd > this.#lastWalEnd) this.#lastWalEnd = message.walEnd;
    if (this.#idle()) this.#tracker.idle(message.walEnd);
    if (message.replyRequested) this.#sendStatus(true);
  }

  #onChange(message: PgoutputMessage): void {
    const scratch = this.#scratch;
    scratch.length = 0;
    const completed = this.#assembler.push(message, scratch);
    for (const event of scratch) {
      if (this.#skipThrough !== null) {
        if (event.position <= this.#skipThrough) continue;
        this.#skipThrough = null;
      }
      this.#queue.push(event);
    }
    if (completed) this.#tracker.completed(completed);
    if (!this.#paused && this.#queue.length - this.#head >= this.#options.maxQueuedEvents) {
      this.#paused = true;
      this.#connection?.pause();
    }
    if (scratch.length > 0) this.#wake?.();
  }

  /** Nothing received is waiting for the consumer or open in a transaction. */
  #idle(): boolean {
    return !this.#assembler.inTransaction && this.#queue.length === this.#head && this.#tracker.waiting === 0;
  }

  #sendStatus(force: boolean): void {
    const flushed = this.#tracker.flushed;
    const now = Date.now();
    // The server times a silent client out (wal_sender_timeout, 60 s by default).
    if (!force && flushed === this.#sentFlush && now - this.#sentAt < 10_000) return;
    this.#connection?.sendStatus(flushed);
    this.#sentFlush = flushed;
    this.#sentAt = now;
  }

  #fail(error: CdcError | undefined): void {
    if (error && !this.#error && !this.#stopped) this.#error = error;
    this.#stopped ||= error === undefined;
    this.#wake?.();
  }
}
