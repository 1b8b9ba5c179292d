// Raw protocol connections to one PostgreSQL shard, for the wire front end to forward a client's
// messages through (PostgresBackend.connect delegates here). A released idle connection is reset
// and reused; the rest are opened on demand, each within the connect timeout.
import { loggerFor } from '../util/logger.js';
import { PostgresShardConnection } from './postgres-connection.js';
import { PostgresLink } from './postgres-link.js';
import { type ConnectionStats, PostgresLinkPool } from './postgres-link-pool.js';
import { startPostgresConnection } from './postgres-startup.js';
import { type PostgresTarget, parsePostgresTarget } from './postgres-target.js';
import type { ShardConnection, ShardConnectOptions, ShardConnector } from './shard-connection.js';
import { BackendSqlState, canceledError, ShardError } from './shard-error.js';

/**
 * What a released connection runs before the next holder gets it: DISCARD ALL without DEALLOCATE
 * ALL and DISCARD PLANS, so prepared statements (which travel with the connection) survive.
 */
export const cleanupSql =
  'SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES';

/** How a connector opens and keeps connections (PostgresBackendOptions' names). */
export interface PostgresConnectorOptions {
  readonly connectionString: string;
  /** Idle connections kept for reuse. */
  readonly poolSize: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly applicationName: string;
  readonly statementTimeoutMs?: number | undefined;
}

/** A `connect` waiting for a released connection whose reset is under way. */
interface Waiter {
  readonly applicationName: string;
  readonly resolve: (link: PostgresLink | undefined) => void;
}

/** Opens and reuses raw connections to one PostgreSQL shard. */
export class PostgresConnector implements ShardConnector {
  readonly #pool: PostgresLinkPool;
  readonly #live = new Set<PostgresLink>();
  /** Released connections whose session state is being reset. */
  readonly #cleaning: PostgresLink[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #target: PostgresTarget | Error;
  #closed = false;

  constructor(
    readonly shard: string,
    /** `host:port/database`, for messages. */
    readonly address: string,
    private readonly options: PostgresConnectorOptions,
  ) {
    this.#pool = new PostgresLinkPool(options.poolSize, options.idleTimeoutMs);
    try {
      this.#target = parsePostgresTarget(options.connectionString);
    } catch (error) {
      this.#target = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Connections opened, closed and idle. */
  stats(): ConnectionStats {
    return this.#pool.stats();
  }

  async connect(options: ShardConnectOptions = {}): Promise<ShardConnection> {
    if (this.#closed) throw this.#closedError();
    if (options.signal?.aborted) throw canceledError(this.shard);
    const applicationName = options.applicationName ?? this.options.applicationName;
    const timeoutMs = options.timeoutMs ?? this.options.connectTimeoutMs;
    const idle = await this.#reuse(applicationName, timeoutMs);
    if (idle?.reusable && !this.#closed) return this.#handle(idle);
    idle?.close();
    if (this.#closed) throw this.#closedError();
    const target = this.#target;
    if (target instanceof Error) {
      throw new ShardError(
        this.shard,
        BackendSqlState.sqlclientUnableToEstablishSqlconnection,
        `cannot connect to the shard: ${target.message}`,
      );
    }
    const started = await startPostgresConnection(target, {
      shard: this.shard,
      address: this.address,
      applicationName,
      timeoutMs,
      signal: options.signal,
      statementTimeoutMs: this.options.statementTimeoutMs,
    });
    const link = new PostgresLink(this.shard, this.address, target, applicationName, started, (ended) => {
      this.#live.delete(ended);
      this.#pool.noteClosed(ended);
    });
    this.#pool.noteOpened();
    this.#live.add(link);
    if (this.#closed) {
      link.close();
      throw this.#closedError();
    }
    return this.#handle(link);
  }

  /** Closes idle connections and those still held (their next receive fails with 08006). */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(undefined);
    this.#pool.shut();
    for (const link of [...this.#live]) link.close();
  }

  #handle(link: PostgresLink): PostgresShardConnection {
    return new PostgresShardConnection(link, (released, clean) => this.#giveBack(released, clean));
  }

  #giveBack(link: PostgresLink, clean: boolean): void {
    if (!link.reusable || this.#closed) {
      link.close();
      return;
    }
    if (!clean) {
      this.#pool.put(link);
      return;
    }
    this.#cleaning.push(link);
    link.run(cleanupSql).then(
      (ok) => this.#cleaned(link, ok),
      (error: unknown) => {
        // A reset cut short by close() is expected; anything else is worth a line in the log.
        if (!this.#closed) {
          loggerFor('backend', { shard: this.shard }).warn(
            { err: error },
            'resetting a released connection failed',
          );
        }
        this.#cleaned(link, false);
      },
    );
  }

  /**
   * An idle connection opened with `applicationName`: one from the idle list, else one being reset
   * that no other `connect` waits for (a reset is one round trip, an opening several), else none.
   */
  async #reuse(applicationName: string, timeoutMs: number): Promise<PostgresLink | undefined> {
    const idle = this.#pool.take(applicationName);
    if (idle) return idle;
    const cleaning = this.#cleaning.filter((link) => link.applicationName === applicationName).length;
    const waiting = this.#waiters.filter((waiter) => waiter.applicationName === applicationName).length;
    if (cleaning <= waiting) return undefined;
    return new Promise((resolve) => {
      // A reset that hangs (a server that stopped answering) must not hold the caller forever.
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        resolve(undefined);
      }, timeoutMs);
      const waiter: Waiter = {
        applicationName,
        resolve: (link) => {
          clearTimeout(timer);
          resolve(link);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /** A reset finished: the connection goes to a waiting `connect`, or to the idle list. */
  #cleaned(link: PostgresLink, ok: boolean): void {
    this.#cleaning.splice(this.#cleaning.indexOf(link), 1);
    const index = this.#waiters.findIndex((waiter) => waiter.applicationName === link.applicationName);
    const waiter = index >= 0 ? this.#waiters.splice(index, 1)[0] : undefined;
    if (!ok || this.#closed) {
      link.close();
      waiter?.resolve(undefined);
    } else if (waiter) waiter.resolve(link);
    else this.#pool.put(link);
  }

  #closedError(): ShardError {
    return new ShardError(
      this.shard,
      BackendSqlState.connectionDoesNotExist,
      'the shard backend is closed; open it again to use the shard',
    );
  }
}
