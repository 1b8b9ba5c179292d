// Reports consumers that fall far behind: a slot that is never acknowledged keeps WAL on the shard's
// disk without bound (or loses it at max_slot_wal_keep_size), a changelog that is never pruned grows.
// Pure decisions; ChangeCapture runs it on a timer and logs what it returns.
import type { ChangeLag } from './change-source.js';

/** When a consumer counts as far behind. */
export interface LagThresholds {
  /** Unacknowledged history kept for it, in bytes (default 1 GiB). */
  readonly bytes: number;
  /** Age of its oldest unacknowledged change, in seconds (default 300). */
  readonly seconds: number;
}

export const defaultLagThresholds: LagThresholds = { bytes: 1024 ** 3, seconds: 300 };

/** A lag with the verdict. */
export interface LagReport extends ChangeLag {
  /** Past a threshold, or the slot lost WAL it needed. */
  readonly behind: boolean;
}

/** What changed since the previous check, to log. */
export interface LagTransition {
  readonly report: LagReport;
  /** 'behind': it just fell behind; 'caughtUp': it was behind and is not any more. */
  readonly kind: 'behind' | 'caughtUp';
  readonly message: string;
}

/** Remembers who is behind and says when that changes. */
export class LagMonitor {
  readonly #behind = new Set<string>();

  constructor(readonly thresholds: LagThresholds = defaultLagThresholds) {}

  /** The verdict on each lag, and the transitions since the last call. */
  check(lags: readonly ChangeLag[]): { reports: LagReport[]; transitions: LagTransition[] } {
    const reports: LagReport[] = [];
    const transitions: LagTransition[] = [];
    for (const lag of lags) {
      const behind =
        lag.bytes >= this.thresholds.bytes ||
        (lag.seconds !== null && lag.seconds >= this.thresholds.seconds) ||
        lag.walStatus === 'lost';
      const report = { ...lag, behind };
      reports.push(report);
      const key = `${lag.shard}\0${lag.consumer}`;
      if (behind && !this.#behind.has(key)) {
        this.#behind.add(key);
        transitions.push({ report, kind: 'behind', message: behindMessage(lag) });
      } else if (!behind && this.#behind.delete(key)) {
        transitions.push({
          report,
          kind: 'caughtUp',
          message: `change consumer ${lag.consumer} on shard ${lag.shard} has caught up`,
        });
      }
    }
    return { reports, transitions };
  }
}

function behindMessage(lag: ChangeLag): string {
  const seconds = lag.seconds === null ? 'an unknown time' : `${Math.round(lag.seconds)} s`;
  const lost =
    lag.walStatus === 'lost'
      ? '; its slot LOST WAL it needed: changes are missing, rebuild the consumer'
      : lag.walStatus === 'unreserved'
        ? '; its slot is past max_slot_wal_keep_size and will lose WAL at the next checkpoint'
        : '';
  return `change consumer ${lag.consumer} on shard ${lag.shard} is far behind: ${formatBytes(lag.bytes)} and ${seconds} of changes not acknowledged${lag.events === null ? '' : ` (${lag.events} events)`}${lost}; the shard keeps them until it catches up (check that the consumer runs and acknowledges)`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
