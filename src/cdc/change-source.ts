// The interface every consumer of changes reads through. One ChangeSource is one consumer's view of
// one shard: it remembers what that consumer acknowledged (a replication slot on PostgreSQL, a row of
// the changelog's consumer table on PGlite) and keeps every later change until it is acknowledged.
import type { ChangeEvent } from './change-event.js';
import type { ChangePosition } from './change-position.js';

/** How `read` starts. */
export interface ChangeReadOptions {
  /**
   * Deliver only events after this position (the consumer's own checkpoint). Omitted or null: from
   * the consumer's acknowledged position, where the source resumes anyway.
   */
  readonly from?: ChangePosition | null;
  /** Most events per batch (default 1000). */
  readonly maxBatch?: number;
  /** Aborting ends the iteration (as `close()` does). */
  readonly signal?: AbortSignal;
}

/** How far a consumer is behind its shard. */
export interface ChangeLag {
  readonly shard: string;
  readonly consumer: string;
  /**
   * Change history kept for the consumer and not yet acknowledged: WAL between the slot's confirmed
   * position and the server's current one (PostgreSQL), or the size of unacknowledged changelog
   * rows (PGlite).
   */
  readonly bytes: number;
  /**
   * Seconds since the oldest unacknowledged change committed (0 when caught up); null when it
   * cannot be known (the slot is being read by another process).
   */
  readonly seconds: number | null;
  /** Unacknowledged events, when the source can count them cheaply (PGlite); else null. */
  readonly events: number | null;
  /** The slot's `wal_status` on PostgreSQL (`reserved`, `extended`, `unreserved`, `lost`); null on PGlite. */
  readonly walStatus: string | null;
}

/**
 * Committed changes of one shard for one consumer, in commit order, at least once.
 *
 * @example
 *   for await (const batch of source.read({ from: checkpoint })) {
 *     await applyAndPersist(batch); // the consumer's own state and its checkpoint, atomically
 *     await source.acknowledge(batch.at(-1)!.position); // the source may now forget them
 *   }
 */
export interface ChangeSource {
  readonly shard: string;
  readonly consumer: string;
  /**
   * Reads batches of events after `options.from`, waiting for new ones, until the signal aborts or
   * `close()` is called (the iteration then ends normally). Events already acknowledged, or at or
   * before `from`, are not delivered; anything delivered but not acknowledged before a restart is
   * delivered again (drop it by position, see `ChangeDeduplicator`). One `read` at a time.
   *
   * @throws CdcError 08006 when the connection to the shard fails (read again from your checkpoint),
   *   55006 while another read is running, 22023 for a `from` the shard never reached, 08003 after
   *   `close()`.
   */
  read(options?: ChangeReadOptions): AsyncIterable<readonly ChangeEvent[]>;
  /**
   * Tells the source the consumer has durably persisted everything up to `position`: the shard may
   * discard it. Call it only after persisting. Acknowledging an older position than before does
   * nothing.
   *
   * @throws CdcError 22023 for a position this source has not delivered.
   */
  acknowledge(position: ChangePosition): Promise<void>;
  /** How far the consumer is behind. */
  lag(): Promise<ChangeLag>;
  /** Ends a running read and releases the connection. Safe to call twice. */
  close(): Promise<void>;
}
