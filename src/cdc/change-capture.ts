// Change capture for a whole cluster: installs it on every shard at start-up (the trigger changelog
// on embedded shards, publication and slots on PostgreSQL shards), registers the configured
// consumers (so nothing committed after start-up is missed, even before a consumer first reads),
// hands out one ChangeSource per shard and consumer, and checks on a timer that no consumer falls
// far behind.
import type { ShardBackend } from '../backend/shard-backend.js';
import { type Logger, loggerFor } from '../util/logger.js';
import { CdcError, CdcErrorCode } from './cdc-error.js';
import type { ChangeSource } from './change-source.js';
import { checkConsumerName } from './consumer-name.js';
import { defaultLagThresholds, LagMonitor, type LagReport, type LagThresholds } from './lag-monitor.js';
import { installPgliteCapture } from './pglite/install-pglite-capture.js';
import { PgliteChangeSource } from './pglite/pglite-change-source.js';
import { installPostgresCapture } from './postgres/install-postgres-capture.js';
import { PostgresChangeSource } from './postgres/postgres-change-source.js';

/** A shard to capture: its catalog entry and its backend. */
export interface CaptureShard {
  readonly id: number;
  readonly name: string;
  /** `postgres://…` for a PostgreSQL shard, anything else (`pglite://…`) for an embedded one. */
  readonly primary: string;
  readonly backend: ShardBackend;
}

/** Settings of change capture (the `cdc` section of switchyard.yaml). */
export interface ChangeCaptureOptions {
  /** The consumers whose positions the shards keep. */
  readonly consumers: readonly string[];
  /** Longest wait between polls of an idle PGlite changelog (default 100 ms). */
  readonly pollIntervalMs?: number;
  /** How often a PostgreSQL reader reports its acknowledged position (default 1000 ms). */
  readonly statusIntervalMs?: number;
  /** When a consumer counts as far behind. */
  readonly lagThresholds?: LagThresholds;
  /** How often lag is checked (default 60 000 ms; 0: never on a timer). */
  readonly lagCheckIntervalMs?: number;
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Change capture of a cluster.
 *
 * @example
 *   const capture = await ChangeCapture.start(shards, { consumers: ['views'] });
 *   for (const source of capture.sources('views')) consumeChanges({ source, … });
 */
export class ChangeCapture {
  readonly #shards: ReadonlyMap<string, CaptureShard>;
  readonly #slots: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly #options: ChangeCaptureOptions;
  readonly #sources = new Map<string, ChangeSource>();
  readonly #monitor: LagMonitor;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  private constructor(
    shards: ReadonlyMap<string, CaptureShard>,
    slots: ReadonlyMap<string, ReadonlyMap<string, string>>,
    options: ChangeCaptureOptions,
  ) {
    this.#shards = shards;
    this.#slots = slots;
    this.#options = options;
    this.#monitor = new LagMonitor(options.lagThresholds ?? defaultLagThresholds);
    this.#logger = options.logger ?? loggerFor('cdc');
  }

  /**
   * Installs capture on every shard and registers the consumers.
   *
   * @throws CdcError naming the shard that could not be prepared and why.
   */
  static async start(shards: readonly CaptureShard[], options: ChangeCaptureOptions): Promise<ChangeCapture> {
    const consumers = options.consumers.map(checkConsumerName);
    const duplicate = consumers.find((c, i) => consumers.indexOf(c) !== i);
    if (duplicate) {
      throw new CdcError(CdcErrorCode.invalidParameter, `change consumer ${duplicate} is named twice`);
    }
    const slots = new Map<string, ReadonlyMap<string, string>>();
    await Promise.all(
      shards.map(async (shard) => {
        if (isPostgres(shard)) slots.set(shard.name, await installPostgresCapture(shard.backend, consumers));
        else await installPgliteCapture(shard.backend, consumers);
      }),
    );
    const capture = new ChangeCapture(new Map(shards.map((s) => [s.name, s])), slots, {
      ...options,
      consumers,
    });
    await capture.#warnAboutForgottenConsumers();
    const every = options.lagCheckIntervalMs ?? 60_000;
    if (every > 0) {
      capture.#timer = setInterval(() => {
        capture
          .checkLag()
          .catch((error) => capture.#logger.warn({ err: error }, 'checking change capture lag failed'));
      }, every);
      capture.#timer.unref();
    }
    return capture;
  }

  /** The configured consumers. */
  get consumers(): readonly string[] {
    return this.#options.consumers;
  }

  /**
   * The change source of `consumer` on `shard` (the same object for the same pair until `close`).
   *
   * @throws CdcError 22023 for a shard or consumer that is not captured.
   */
  source(shard: string, consumer: string): ChangeSource {
    if (this.#closed) throw new CdcError(CdcErrorCode.closed, 'change capture is closed');
    const captured = this.#shards.get(shard);
    if (!captured) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `shard ${shard} is not captured; captured shards: ${[...this.#shards.keys()].join(', ')}`,
      );
    }
    if (!this.#options.consumers.includes(consumer)) {
      throw new CdcError(
        CdcErrorCode.invalidParameter,
        `change consumer ${JSON.stringify(consumer)} is not configured; add it to cdc.consumers (configured: ${this.#options.consumers.join(', ')})`,
      );
    }
    const key = `${shard}\0${consumer}`;
    let source = this.#sources.get(key);
    if (!source) {
      source = this.#create(captured, consumer);
      this.#sources.set(key, source);
    }
    return source;
  }

  /** The sources of `consumer`, one per shard, in catalog order. */
  sources(consumer: string): ChangeSource[] {
    return [...this.#shards.keys()].map((shard) => this.source(shard, consumer));
  }

  /** The lag of every consumer on every shard; logs a warning for each that just fell far behind. */
  async checkLag(): Promise<LagReport[]> {
    const lags = await Promise.all(
      [...this.#shards.keys()].flatMap((shard) =>
        this.#options.consumers.map((c) => this.source(shard, c).lag()),
      ),
    );
    const { reports, transitions } = this.#monitor.check(lags);
    for (const t of transitions) {
      const fields = {
        shard: t.report.shard,
        consumer: t.report.consumer,
        bytes: t.report.bytes,
        seconds: t.report.seconds,
      };
      if (t.kind === 'behind') this.#logger.warn(fields, t.message);
      else this.#logger.info(fields, t.message);
    }
    return reports;
  }

  /** Ends every running read. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#sources.values()].map((s) => s.close()));
  }

  /**
   * A consumer dropped from the configuration still holds its history on the shards (a slot keeps
   * WAL, a changelog consumer keeps rows from being pruned). Removing it loses its unread changes,
   * so that is left to the operator; this says what to run.
   */
  async #warnAboutForgottenConsumers(): Promise<void> {
    for (const shard of this.#shards.values()) {
      try {
        if (isPostgres(shard)) {
          const configured = [...(this.#slots.get(shard.name)?.values() ?? [])];
          const { rows } = await shard.backend.query(
            `SELECT slot_name, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text FROM pg_replication_slots
              WHERE database = current_database() AND plugin = 'pgoutput' AND starts_with(slot_name, 'switchyard_')
                AND NOT (slot_name = ANY($1::text[]))`,
            [`{${configured.join(',')}}`],
          );
          for (const [slot, bytes] of rows) {
            this.#logger.warn(
              { shard: shard.name, slot, bytes: Number(bytes) },
              `replication slot ${slot} belongs to no configured change consumer and keeps WAL on the shard; if its consumer is gone, drop it: SELECT pg_drop_replication_slot('${slot}')`,
            );
          }
        } else {
          const { rows } = await shard.backend.query(
            'SELECT name FROM switchyard_cdc.consumers WHERE NOT (name = ANY($1::text[]))',
            [`{${this.#options.consumers.join(',')}}`],
          );
          for (const [name] of rows) {
            this.#logger.warn(
              { shard: shard.name, consumer: name },
              `change consumer ${name} is registered on the shard but not configured, and its unread changes keep the changelog from being pruned; if it is gone, remove it: DELETE FROM switchyard_cdc.consumers WHERE name = '${name}'`,
            );
          }
        }
      } catch (error) {
        this.#logger.warn({ err: error, shard: shard.name }, 'could not look for forgotten change consumers');
      }
    }
  }

  #create(shard: CaptureShard, consumer: string): ChangeSource {
    const o = this.#options;
    if (isPostgres(shard)) {
      return new PostgresChangeSource({
        shard: shard.name,
        shardId: shard.id,
        consumer,
        connectionString: shard.primary,
        db: shard.backend,
        slot: this.#slots.get(shard.name)!.get(consumer)!,
        ...(o.statusIntervalMs ? { statusIntervalMs: o.statusIntervalMs } : {}),
        ...(o.connectTimeoutMs ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
      });
    }
    return new PgliteChangeSource(shard.backend, {
      shardId: shard.id,
      consumer,
      ...(o.pollIntervalMs ? { pollIntervalMs: o.pollIntervalMs } : {}),
    });
  }
}

function isPostgres(shard: CaptureShard): boolean {
  return /^postgres(ql)?:\/\//i.test(shard.primary);
}
