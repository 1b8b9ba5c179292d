// Idle raw connections of one PostgreSQL shard, kept for the next `connect()`: a released
// connection that is idle goes here after its session state was reset, is handed out again most
// recently used first, and is closed after the idle timeout, when the list is full, or when the
// backend closes. Counts connections opened and closed, for tests and metrics.
import type { PostgresLink } from './postgres-link.js';

/** Raw connections of a backend right now and since it opened. */
export interface ConnectionStats {
  /** Connections opened since the backend was created. */
  readonly opened: number;
  /** Connections closed (or lost) since the backend was created. */
  readonly closed: number;
  /** Connections waiting in the idle list. */
  readonly idle: number;
}

/** The idle list of one backend's raw connections. */
export class PostgresLinkPool {
  readonly #idle: PostgresLink[] = [];
  readonly #timers = new Map<PostgresLink, NodeJS.Timeout>();
  #opened = 0;
  #closed = 0;
  #shut = false;

  constructor(
    private readonly maxIdle: number,
    private readonly idleTimeoutMs: number,
  ) {}

  /** Counts a new connection. */
  noteOpened(): void {
    this.#opened += 1;
  }

  /** Counts a connection that ended, and forgets it if it was idle (a server restart, say). */
  noteClosed(link: PostgresLink): void {
    this.#closed += 1;
    this.#remove(link);
  }

  stats(): ConnectionStats {
    return { opened: this.#opened, closed: this.#closed, idle: this.#idle.length };
  }

  /** The most recently released idle connection opened with `applicationName`, or undefined. */
  take(applicationName: string): PostgresLink | undefined {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const link = this.#idle[i]!;
      if (link.applicationName !== applicationName) continue;
      this.#idle.splice(i, 1);
      this.#clearTimer(link);
      if (link.reusable) return link;
      link.close();
    }
    return undefined;
  }

  /** Keeps `link` for reuse, or closes it when the list is full or the pool is shut. */
  put(link: PostgresLink): void {
    if (this.#shut || this.#idle.length >= this.maxIdle || !link.reusable) {
      link.close();
      return;
    }
    this.#idle.push(link);
    const timer = setTimeout(() => {
      this.#remove(link);
      link.close();
    }, this.idleTimeoutMs);
    // An idle connection must not keep the process alive.
    timer.unref();
    this.#timers.set(link, timer);
  }

  /** Closes every idle connection; later `put`s close theirs. */
  shut(): void {
    this.#shut = true;
    for (const link of this.#idle.splice(0)) {
      this.#clearTimer(link);
      link.close();
    }
  }

  #remove(link: PostgresLink): void {
    const index = this.#idle.indexOf(link);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#clearTimer(link);
  }

  #clearTimer(link: PostgresLink): void {
    const timer = this.#timers.get(link);
    if (timer) clearTimeout(timer);
    this.#timers.delete(link);
  }
}
