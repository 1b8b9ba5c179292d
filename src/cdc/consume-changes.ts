// A consumer's loop over one change source: read from the consumer's checkpoint, drop duplicates,
// hand each batch to the consumer (which applies and persists it with its position), acknowledge,
// and after a failure (a shard restart, a dropped connection, the handler throwing) wait and read
// again from the last persisted position.
import { type Logger, loggerFor } from '../util/logger.js';
import { CdcError, CdcErrorCode } from './cdc-error.js';
import type { ChangeEvent } from './change-event.js';
import type { ChangePosition } from './change-position.js';
import type { ChangeSource } from './change-source.js';

/** How `consumeChanges` runs. */
export interface ConsumeChangesOptions {
  readonly source: ChangeSource;
  /** The consumer's persisted position for this shard (null: nothing yet). */
  readonly from: ChangePosition | null;
  /**
   * Applies `events` and persists them together with the last one's position; the source is
   * acknowledged once it resolves. Throwing makes the loop read again from the last persisted
   * position after `retryDelayMs`.
   */
  handle(events: readonly ChangeEvent[]): Promise<void>;
  /** Ends the loop. */
  readonly signal: AbortSignal;
  readonly maxBatch?: number;
  /** Wait before reading again after a failure (default 1000 ms). */
  readonly retryDelayMs?: number;
  /** Told of each failure before the retry (default: logged as a warning). */
  onError?(error: unknown): void;
  readonly logger?: Logger;
}

/**
 * Runs until `signal` aborts or the source is closed; resolves with the last persisted position.
 *
 * @example
 *   const stop = new AbortController();
 *   const done = consumeChanges({ source, from: checkpoint.s0 ?? null, signal: stop.signal,
 *     handle: async (events) => { await db.transaction(...apply and save events.at(-1).position...) } });
 */
export async function consumeChanges(options: ConsumeChangesOptions): Promise<ChangePosition | null> {
  const { source, signal } = options;
  const logger = options.logger ?? loggerFor('cdc', { shard: source.shard, consumer: source.consumer });
  let from = options.from;
  while (!signal.aborted) {
    try {
      for await (const batch of source.read({
        from,
        signal,
        ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
      })) {
        const fresh = from === null ? batch : batch.filter((event) => event.position > from!);
        if (fresh.length === 0) continue;
        await options.handle(fresh);
        from = fresh[fresh.length - 1]!.position;
        await source.acknowledge(from);
      }
      // A read ends only when the signal aborts or the source is closed.
      break;
    } catch (error) {
      if (signal.aborted || (error instanceof CdcError && error.code === CdcErrorCode.closed)) break;
      if (options.onError) options.onError(error);
      else
        logger.warn({ err: error }, 'reading changes failed; reading again from the last persisted position');
      await delay(options.retryDelayMs ?? 1000, signal);
    }
  }
  return from;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
