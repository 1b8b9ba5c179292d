// A ChangeSource held in memory, for testing consumers without a database: `commit` appends a
// transaction's events, reads deliver them as the real sources do (in order, in batches, waiting for
// more), acknowledged events are forgotten, `restart()` acts as a process restart (events delivered
// but not acknowledged come again) and `failNextRead` as a dropped connection.
import { CdcError, CdcErrorCode } from './cdc-error.js';
import type { ChangeEvent, ChangeOperation, ChangeRow } from './change-event.js';
import {
  type ChangePosition,
  changePosition,
  laterPosition,
  parseChangePosition,
} from './change-position.js';
import type { ChangeLag, ChangeReadOptions, ChangeSource } from './change-source.js';
import { checkConsumerName } from './consumer-name.js';

/** One row change to commit. */
export interface MemoryChange {
  readonly op: ChangeOperation;
  readonly table: string;
  readonly schema?: string;
  readonly old?: ChangeRow | null;
  readonly new?: ChangeRow | null;
}

/**
 * An in-memory change source.
 *
 * @example
 *   const source = new MemoryChangeSource('s0', 'views');
 *   source.commit([{ op: 'insert', table: 'tasks', new: { id: 1n } }]);
 */
export class MemoryChangeSource implements ChangeSource {
  readonly consumer: string;
  readonly #log: ChangeEvent[] = [];
  #commits = 0n;
  #transactions = 0;
  #acknowledged: ChangePosition | null = null;
  #delivered: ChangePosition | null = null;
  #reading = false;
  #closed = false;
  #failure: Error | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly shard: string,
    consumer: string,
    readonly shardId = 0,
  ) {
    this.consumer = checkConsumerName(consumer);
  }

  /** Appends one committed transaction; returns its events. */
  commit(changes: readonly MemoryChange[], globalId: string | null = null): ChangeEvent[] {
    this.#commits += 0x100n;
    const transaction = { id: String(++this.#transactions), globalId, commitTime: new Date() };
    const events = changes.map(
      (change, index): ChangeEvent => ({
        shard: this.shard,
        shardId: this.shardId,
        position: changePosition(this.#commits, index),
        transaction,
        op: change.op,
        schema: change.schema ?? 'public',
        table: change.table,
        columns: Object.keys(change.new ?? change.old ?? {}).map((name) => ({ name, typeOid: 25 })),
        old: change.old ?? null,
        new: change.new ?? null,
        lastInTransaction: index === changes.length - 1,
      }),
    );
    this.#log.push(...events);
    this.#wake();
    return events;
  }

  /** The next read (or the running one, once it has delivered what is queued) fails with `error`. */
  failNextRead(
    error: Error = new CdcError(CdcErrorCode.connectionFailure, 'simulated connection loss'),
  ): void {
    this.#failure = error;
    this.#wake();
  }

  /** As after a process restart: what was delivered and not acknowledged will be delivered again. */
  restart(): void {
    this.#delivered = this.#acknowledged;
    this.#closed = false;
  }

  /** Events kept (not yet acknowledged). */
  get retained(): number {
    return this.#log.length;
  }

  async *read(options: ChangeReadOptions = {}): AsyncGenerator<readonly ChangeEvent[]> {
    if (this.#closed) throw new CdcError(CdcErrorCode.closed, 'this change source is closed');
    if (this.#reading) throw new CdcError(CdcErrorCode.objectInUse, 'one read at a time');
    this.#reading = true;
    try {
      const from = options.from == null ? null : parseChangePosition(options.from);
      let after = laterPosition(from, this.#acknowledged);
      const max = options.maxBatch ?? 1000;
      while (!this.#closed && !options.signal?.aborted) {
        const start = after === null ? 0 : this.#log.findIndex((e) => e.position > after!);
        const batch = start < 0 ? [] : this.#log.slice(start, start + max);
        if (batch.length > 0) {
          after = batch[batch.length - 1]!.position;
          this.#delivered = laterPosition(this.#delivered, after);
          yield batch;
          continue;
        }
        if (this.#failure) {
          const failure = this.#failure;
          this.#failure = undefined;
          throw failure;
        }
        await new Promise<void>((resolve) => {
          this.#waiters.add(resolve);
          options.signal?.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      this.#reading = false;
    }
  }

  async acknowledge(position: ChangePosition): Promise<void> {
    const checked = parseChangePosition(position);
    if (this.#delivered === null || checked > this.#delivered) {
      throw new CdcError(CdcErrorCode.invalidParameter, `cannot acknowledge ${checked}: not delivered`);
    }
    this.#acknowledged = laterPosition(this.#acknowledged, checked);
    while (this.#log.length > 0 && this.#log[0]!.position <= checked) this.#log.shift();
  }

  async lag(): Promise<ChangeLag> {
    const oldest = this.#log[0]?.transaction.commitTime;
    return {
      shard: this.shard,
      consumer: this.consumer,
      bytes: 0,
      seconds: oldest ? (Date.now() - oldest.getTime()) / 1000 : 0,
      events: this.#log.length,
      walStatus: null,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
    this.#waiters.clear();
  }
}
