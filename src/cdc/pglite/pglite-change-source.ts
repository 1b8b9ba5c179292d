// The change source of an embedded (PGlite) shard: polls the trigger-written changelog in id (commit)
// order. Each poll is one short statement under the shard's FIFO lock, so clients queue with it
// and are never starved: a busy shard is read between its transactions, an idle one is polled at
// most every `pollIntervalMs`. Acknowledging records the consumer's position in the shard and
// deletes rows every consumer has acknowledged, a bounded batch per statement.
import type { ShardBackend } from '../../backend/shard-backend.js';
import { ShardError } from '../../backend/shard-error.js';
import { type Logger, loggerFor } from '../../util/logger.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import type { ChangeEvent } from '../change-event.js';
import {
  type ChangePosition,
  changePosition,
  laterPosition,
  parseChangePosition,
  positionCommit,
} from '../change-position.js';
import type { ChangeLag, ChangeReadOptions, ChangeSource } from '../change-source.js';
import { checkConsumerName } from '../consumer-name.js';
import { checkMaxBatch } from '../read-options.js';
import { changelogEvents, type TableVersion, tableVersionOf } from './changelog-events.js';
import { changelogSchema, readChangelogSql, readRelationsSql } from './changelog-sql.js';

/** How a PGlite change source is set up. */
export interface PgliteChangeSourceOptions {
  readonly shardId: number;
  readonly consumer: string;
  /** Longest wait between polls of an idle changelog (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** Rows deleted per statement when pruning (default 5000). */
  readonly pruneBatch?: number;
  readonly logger?: Logger;
}

/**
 * One consumer's changes of one embedded shard. The consumer must have been registered with
 * `installPgliteCapture`.
 *
 * @example
 *   const source = new PgliteChangeSource(cluster.backend('s0'), { shardId: 0, consumer: 'views' });
 */
export class PgliteChangeSource implements ChangeSource {
  readonly shard: string;
  readonly consumer: string;
  readonly #db: ShardBackend;
  readonly #options: PgliteChangeSourceOptions;
  readonly #logger: Logger;
  readonly #versions = new Map<number, TableVersion>();
  #reading = false;
  #delivered: ChangePosition | null = null;
  #closed = false;
  readonly #closeController = new AbortController();
  #pruning: Promise<void> | undefined;
  #prunedSinceVacuum = 0;

  constructor(db: ShardBackend, options: PgliteChangeSourceOptions) {
    this.shard = db.shard;
    this.consumer = checkConsumerName(options.consumer);
    this.#db = db;
    this.#options = options;
    this.#logger = options.logger ?? loggerFor('cdc', { shard: db.shard, consumer: options.consumer });
  }

  async *read(options: ChangeReadOptions = {}): AsyncGenerator<readonly ChangeEvent[]> {
    if (this.#closed) throw this.#closedError();
    if (this.#reading) {
      throw new CdcError(
        CdcErrorCode.objectInUse,
        `consumer ${this.consumer} is already reading this shard; one read at a time`,
        {
          shard: this.shard,
        },
      );
    }
    const maxBatch = checkMaxBatch(options.maxBatch);
    const given = options.from == null ? null : parseChangePosition(options.from);
    this.#reading = true;
    try {
      const signal = AbortSignal.any(
        options.signal ? [options.signal, this.#closeController.signal] : [this.#closeController.signal],
      );
      let after = await this.#start(given);
      const maxWait = this.#options.pollIntervalMs ?? 100;
      let wait = 1;
      while (!signal.aborted) {
        let rows: Awaited<ReturnType<ShardBackend['query']>>['rows'];
        try {
          ({ rows } = await this.#db.query(readChangelogSql, [String(after), maxBatch + 1], { signal }));
        } catch (error) {
          if (signal.aborted) return;
          // Another session held the shard for the whole lock timeout: try again later.
          if (error instanceof ShardError && error.code === '55P03') {
            this.#logger.debug({ err: error }, 'changelog poll waited too long for the shard; polling again');
            await sleep(maxWait, signal);
            continue;
          }
          throw this.#queryError(error);
        }
        if (rows.length === 0) {
          wait = Math.min(maxWait, wait * 2);
          await sleep(wait, signal);
          continue;
        }
        wait = 1;
        await this.#loadVersions(rows);
        const events = changelogEvents(
          this.shard,
          this.#options.shardId,
          rows,
          rows.length > maxBatch,
          this.#versions,
        );
        after = BigInt(rows[events.length - 1]![0]!);
        this.#delivered = events[events.length - 1]!.position;
        yield events;
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
    const { rows } = await this.#db.query(
      `UPDATE ${changelogSchema}.consumers SET acknowledged = greatest(acknowledged, $2), acknowledged_at = now()
        WHERE name = $1 RETURNING acknowledged`,
      [this.consumer, String(positionCommit(checked))],
    );
    if (rows.length === 0) throw this.#notRegistered();
    this.#pruning ??= this.#prune().finally(() => (this.#pruning = undefined));
  }

  async lag(): Promise<ChangeLag> {
    const { rows } = await this.#db.query(
      `SELECT count(c.id), coalesce(sum(pg_column_size(c.*)), 0),
              coalesce(extract(epoch FROM now() - min(c.started_at)), 0)::float8, bool_or(k.name IS NOT NULL)
         FROM ${changelogSchema}.consumers k LEFT JOIN ${changelogSchema}.changelog c ON c.id > k.acknowledged
        WHERE k.name = $1`,
      [this.consumer],
    );
    const row = rows[0];
    if (row?.[3] !== 't') throw this.#notRegistered();
    return {
      shard: this.shard,
      consumer: this.consumer,
      bytes: Number(row[1]),
      seconds: Math.max(0, Number(row[2])),
      events: Number(row[0]),
      walStatus: null,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#closeController.abort();
    await this.#pruning;
  }

  /** Where this read starts: after `from`, or after the consumer's acknowledged position. */
  async #start(from: ChangePosition | null): Promise<bigint> {
    const { rows } = await this.#db.query(
      `SELECT acknowledged, coalesce(pg_sequence_last_value('${changelogSchema}.changelog_id_seq'), 0)
         FROM ${changelogSchema}.consumers WHERE name = $1`,
      [this.consumer],
    );
    const row = rows[0];
    if (!row) throw this.#notRegistered();
    const acknowledged = BigInt(row[0]!);
    const end = BigInt(row[1]!);
    if (!from) return acknowledged;
    const after = positionCommit(from);
    if (after > end) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `position ${from} is beyond anything this shard has written (its changelog ends at ${changePosition(end)}): it belongs to another shard or cluster`,
        { shard: this.shard },
      );
    }
    if (after < acknowledged) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `consumer ${this.consumer} acknowledged up to ${changePosition(acknowledged)} but reads from ${from}: the changes in between may be pruned; read from your acknowledged position (or a later one) and rebuild state that was lost`,
        { shard: this.shard },
      );
    }
    this.#delivered = laterPosition(this.#delivered, from);
    return after;
  }

  async #loadVersions(rows: readonly (readonly (string | null)[])[]): Promise<void> {
    const missing = new Set<number>();
    for (const row of rows) {
      const version = Number(row[4]);
      if (!this.#versions.has(version)) missing.add(version);
    }
    if (missing.size === 0) return;
    const { rows: found } = await this.#db.query(readRelationsSql, [`{${[...missing].join(',')}}`]);
    for (const row of found) {
      const [version, table] = tableVersionOf(row);
      this.#versions.set(version, table);
    }
  }

  /** Deletes rows every consumer has acknowledged, a batch per statement; vacuums now and then. */
  async #prune(): Promise<void> {
    const batch = this.#options.pruneBatch ?? 5000;
    try {
      for (;;) {
        const [result] = await this.#db.exec(
          `DELETE FROM ${changelogSchema}.changelog WHERE id IN (SELECT id FROM ${changelogSchema}.changelog
            WHERE id <= (SELECT min(acknowledged) FROM ${changelogSchema}.consumers) ORDER BY id LIMIT ${batch})`,
        );
        const deleted = result?.rowCount ?? 0;
        this.#prunedSinceVacuum += deleted;
        if (deleted < batch || this.#closed) break;
      }
      // PGlite runs no autovacuum: without this the deleted rows' space is never reused.
      if (this.#prunedSinceVacuum >= 50_000) {
        this.#prunedSinceVacuum = 0;
        await this.#db.exec(`VACUUM ${changelogSchema}.changelog`);
      }
    } catch (error) {
      if (!this.#closed)
        this.#logger.warn(
          { err: error },
          'pruning the changelog failed; it is retried after the next acknowledgement',
        );
    }
  }

  #queryError(error: unknown): CdcError {
    return new CdcError(
      CdcErrorCode.connectionFailure,
      `reading the changelog failed: ${error instanceof Error ? error.message : String(error)}; read again from the last persisted position to resume`,
      { shard: this.shard, cause: error },
    );
  }

  #notRegistered(): CdcError {
    return new CdcError(
      CdcErrorCode.notInPrerequisiteState,
      `consumer ${this.consumer} is not registered in this shard's changelog; start the cluster with it in cdc.consumers (or call installPgliteCapture)`,
      { shard: this.shard },
    );
  }

  #closedError(): CdcError {
    return new CdcError(CdcErrorCode.closed, 'this change source is closed', { shard: this.shard });
  }
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
