// Decides which WAL position a replication stream may report as flushed. A transaction is consumed
// once the consumer acknowledged its last event (or it had no event for the consumer); the flushed
// position moves to a transaction's end LSN only when it and every transaction before it are
// consumed, so after a restart the server sends again exactly what was not. While nothing is
// delivered and unacknowledged, a keepalive's position is safe too: every transaction committed
// before it was sent already, and any still running commits after it. Pure.
import type { ChangePosition } from '../change-position.js';
import type { CompletedTransaction } from './pgoutput-assembler.js';

interface Entry {
  readonly lastPosition: ChangePosition | null;
  readonly endLsn: bigint;
  readonly commitTime: Date;
}

/** The flushed position of one replication stream. */
export class FlushTracker {
  readonly #waiting: Entry[] = [];
  #head = 0;
  #flushed: bigint;
  #acknowledged: ChangePosition | null;

  /**
   * @param flushed where the slot stands (its confirmed flush LSN)
   * @param acknowledged events at or before this were consumed before this stream started
   */
  constructor(flushed: bigint, acknowledged: ChangePosition | null) {
    this.#flushed = flushed;
    this.#acknowledged = acknowledged;
  }

  /** The position to report to the server. */
  get flushed(): bigint {
    return this.#flushed;
  }

  /** Transactions complete but not all acknowledged. */
  get waiting(): number {
    return this.#waiting.length - this.#head;
  }

  /** Commit time of the oldest transaction not yet consumed, if any. */
  oldestWaiting(): Date | undefined {
    return this.#waiting[this.#head]?.commitTime;
  }

  /** A transaction's Commit arrived (its events are delivered or about to be). */
  completed(transaction: CompletedTransaction): void {
    this.#waiting.push({
      lastPosition: transaction.lastPosition,
      endLsn: transaction.endLsn,
      commitTime: transaction.commitTime,
    });
    this.#drain();
  }

  /** The consumer persisted everything up to `position`. */
  acknowledge(position: ChangePosition): void {
    if (!this.#acknowledged || position > this.#acknowledged) this.#acknowledged = position;
    this.#drain();
  }

  /**
   * The server reported (in a keepalive) that everything before `walEnd` was sent. Call only while no
   * transaction is open in the stream and no event waits for delivery.
   */
  idle(walEnd: bigint): void {
    if (this.waiting === 0 && walEnd > this.#flushed) this.#flushed = walEnd;
  }

  #drain(): void {
    while (this.#head < this.#waiting.length) {
      const entry = this.#waiting[this.#head]!;
      const consumed =
        entry.lastPosition === null ||
        (this.#acknowledged !== null && entry.lastPosition <= this.#acknowledged);
      if (!consumed) break;
      if (entry.endLsn > this.#flushed) this.#flushed = entry.endLsn;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
  }
}
