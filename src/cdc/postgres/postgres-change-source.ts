// The change source of a PostgreSQL shard: one consumer's logical replication slot, read with
// pgoutput over a replication connection. The slot is the acknowledged position: the server keeps
// every transaction the consumer has not acknowledged, across restarts of either side.
import type { ShardQueryable } from '../../backend/shard-backend.js';
import { type Logger, loggerFor } from '../../util/logger.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import type { ChangeEvent } from '../change-event.js';
import {
  type ChangePosition,
  laterPosition,
  parseChangePosition,
  positionCommit,
} from '../change-position.js';
import type { ChangeLag, ChangeReadOptions, ChangeSource } from '../change-source.js';
import { checkConsumerName } from '../consumer-name.js';
import { formatLsn, parseLsn } from '../lsn.js';
import { checkMaxBatch } from '../read-options.js';
import { publicationName } from './capture-names.js';
import { ReplicationReader } from './replication-reader.js';
import { missingSlot, oldestHeldCommit, slotLag } from './slot-lag.js';

/** How a PostgreSQL change source is set up. */
export interface PostgresChangeSourceOptions {
  /** The shard's name and id in the catalog. */
  readonly shard: string;
  readonly shardId: number;
  readonly consumer: string;
  /** The shard's `postgres://` URL (the replication connection logs in with it). */
  readonly connectionString: string;
  /** Runs the source's queries on the shard (slot state, lag): the shard's backend. */
  readonly db: ShardQueryable;
  /** The consumer's slot (see `slotName`), created by `installPostgresCapture`. */
  readonly slot: string;
  /** How often the flushed position is reported to the server (default 1000 ms). */
  readonly statusIntervalMs?: number;
  /** Events received and not yet handed out before the socket pauses (default 20 000). */
  readonly maxQueuedEvents?: number;
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * One consumer's changes of one PostgreSQL shard.
 *
 * @example
 *   const source = new PostgresChangeSource({ shard: 's0', shardId: 0, consumer: 'views',
 *     connectionString: url, db: cluster.backend('s0'), slot });
 *   for await (const batch of source.read({ from: checkpoint })) { … }
 */
export class PostgresChangeSource implements ChangeSource {
  readonly shard: string;
  readonly consumer: string;
  readonly #options: PostgresChangeSourceOptions;
  readonly #logger: Logger;
  #reading = false;
  #reader: ReplicationReader | undefined;
  /** The latest position handed out by any read of this source. */
  #delivered: ChangePosition | null = null;
  #acknowledged: ChangePosition | null = null;
  #closed = false;
  readonly #closeController = new AbortController();

  constructor(options: PostgresChangeSourceOptions) {
    this.shard = options.shard;
    this.consumer = checkConsumerName(options.consumer);
    this.#options = options;
    this.#logger = options.logger ?? loggerFor('cdc', { shard: options.shard, consumer: options.consumer });
  }

  async *read(options: ChangeReadOptions = {}): AsyncGenerator<readonly ChangeEvent[]> {
    if (this.#closed) throw this.#closedError();
    if (this.#reading) {
      throw new CdcError(
        CdcErrorCode.objectInUse,
        `consumer ${this.consumer} is already reading this shard; one read at a time`,
        { shard: this.shard },
      );
    }
    const maxBatch = checkMaxBatch(options.maxBatch);
    const given = options.from == null ? null : parseChangePosition(options.from);
    this.#reading = true;
    try {
      const from = laterPosition(given, this.#acknowledged);
      const signal = AbortSignal.any(
        options.signal ? [options.signal, this.#closeController.signal] : [this.#closeController.signal],
      );
      const confirmedFlush = await this.#checkStart(given);
      const reader = new ReplicationReader({
        shard: this.shard,
        shardId: this.#options.shardId,
        connectionString: this.#options.connectionString,
        slot: this.#options.slot,
        publication: publicationName,
        confirmedFlush,
        from,
        statusIntervalMs: this.#options.statusIntervalMs ?? 1000,
        maxQueuedEvents: this.#options.maxQueuedEvents ?? 20_000,
        connectTimeoutMs: this.#options.connectTimeoutMs ?? 5000,
        applicationName: `switchyard-cdc-${this.consumer}`,
        logger: this.#logger,
      });
      this.#reader = reader;
      try {
        await reader.start();
        for (;;) {
          const batch = await reader.next(maxBatch, signal);
          if (!batch) return;
          this.#delivered = reader.delivered;
          yield batch;
        }
      } finally {
        this.#reader = undefined;
        await reader.stop();
      }
    } finally {
      this.#reading = false;
    }
  }

  async acknowledge(position: ChangePosition): Promise<void> {
    const checked = parseChangePosition(position);
    if (this.#delivered === null || checked > this.#delivered) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `cannot acknowledge position ${checked}: this source has delivered only up to ${this.#delivered ?? 'nothing'}; acknowledge positions of events you received`,
        { shard: this.shard },
      );
    }
    this.#acknowledged = laterPosition(this.#acknowledged, checked);
    this.#reader?.acknowledge(checked);
  }

  async lag(): Promise<ChangeLag> {
    const { db, slot } = this.#options;
    const server = await slotLag(db, this.shard, slot);
    let seconds: number | null;
    if (this.#reader) {
      const oldest = this.#reader.oldestUnacknowledged();
      seconds = oldest ? secondsSince(oldest) : 0;
    } else if (server.active) {
      seconds = null;
    } else if (server.bytes === 0) {
      seconds = 0;
    } else {
      const oldest = await oldestHeldCommit(db, slot, publicationName);
      seconds = oldest === undefined ? null : oldest === null ? 0 : secondsSince(oldest);
    }
    return {
      shard: this.shard,
      consumer: this.consumer,
      bytes: server.bytes,
      seconds,
      events: null,
      walStatus: server.walStatus,
    };
  }

  /** Ends a running read at once: its connection reports the acknowledged position and closes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closeController.abort();
    await this.#reader?.stop();
  }

  /** The slot's confirmed position; refuses a `from` the server never reached. */
  async #checkStart(from: ChangePosition | null): Promise<bigint> {
    const { rows } = await this.#options.db.query(
      'SELECT confirmed_flush_lsn::text, pg_current_wal_lsn()::text, wal_status FROM pg_replication_slots WHERE slot_name = $1',
      [this.#options.slot],
    );
    const row = rows[0];
    if (!row) throw missingSlot(this.shard, this.#options.slot);
    if (row[2] === 'lost') {
      throw new CdcError(
        CdcErrorCode.notInPrerequisiteState,
        `replication slot ${this.#options.slot} lost WAL it needed (max_slot_wal_keep_size was exceeded): changes are missing; drop the slot, restart the cluster to create it again, and rebuild the consumer's state`,
        { shard: this.shard },
      );
    }
    const current = parseLsn(row[1]!);
    if (from && positionCommit(from) > current) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `position ${from} is beyond anything this shard has written (its WAL ends at ${formatLsn(current)}): it belongs to another shard or cluster`,
        { shard: this.shard },
      );
    }
    return row[0] ? parseLsn(row[0]) : 0n;
  }

  #closedError(): CdcError {
    return new CdcError(CdcErrorCode.closed, 'this change source is closed', { shard: this.shard });
  }
}

function secondsSince(time: Date): number {
  return Math.max(0, (Date.now() - time.getTime()) / 1000);
}
