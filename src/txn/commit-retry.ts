// After the commit decision a shard that failed COMMIT PREPARED (it was restarting, the network
// dropped) is tried again, with exponential backoff, until it commits or the coordinator stops.
// Recovery would commit it as well; whichever comes second finds the gid gone (42704) and is done.
import type { ShardBackend } from '../backend/shard-backend.js';
import type { Logger } from '../util/logger.js';
import { finishPrepared } from './finish-prepared.js';
import { branchGid } from './gid.js';

/** One shard's COMMIT PREPARED to repeat. */
export interface CommitRetry {
  readonly gid: string;
  readonly shard: string;
  /** The shard's backend, looked up on every attempt (it may be reopened meanwhile). */
  backend(): ShardBackend;
  /** Stops the retries (the coordinator stopped). */
  readonly signal: AbortSignal;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Called before each attempt. */
  onAttempt(): void;
  readonly logger: Logger;
}

/** Repeats COMMIT PREPARED until it succeeds (true) or `signal` aborts (false). */
export async function retryCommitPrepared(retry: CommitRetry): Promise<boolean> {
  let delay = retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (!(await sleep(delay, retry.signal))) return false;
    retry.onAttempt();
    try {
      await finishPrepared(retry.backend(), branchGid(retry.gid, retry.shard), 'commit');
      retry.logger.info({ gid: retry.gid, shard: retry.shard, attempt }, 'committed after retrying');
      return true;
    } catch (error) {
      retry.logger.warn(
        { err: error, gid: retry.gid, shard: retry.shard, attempt },
        'COMMIT PREPARED failed again; retrying',
      );
      delay = Math.min(delay * 2, retry.maxDelayMs);
    }
  }
}

/** Waits `ms`; false when `signal` aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
