// Finishing a prepared transaction on one shard, and reading what a failed PREPARE left behind.
import type { ShardBackend } from '../backend/shard-backend.js';
import type { Decision } from './txn-log.js';

/** SQLSTATE of COMMIT/ROLLBACK PREPARED for a gid the shard does not hold. */
const undefinedObject = '42704';

/** Waits before trying again a gid another session is finishing: 5 ms, doubled 7 times (~1.3 s in all). */
const busyDelaysMs = [5, 10, 20, 40, 80, 160, 320, 640];

/**
 * Applies `decision` to `gid` on `backend`: COMMIT PREPARED or ROLLBACK PREPARED. Resolves true when
 * this call finished the transaction, false when the shard no longer held it (42704): somebody
 * finished it already (the coordinator and recoveries may race, and every one of them applies the
 * one decision the log holds, or held before it was forgotten once everything was finished).
 */
export async function finishPrepared(
  backend: ShardBackend,
  gid: string,
  decision: Decision,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      if (decision === 'commit') await backend.commitPrepared(gid);
      else await backend.rollbackPrepared(gid);
      return true;
    } catch (error) {
      if (sqlStateOf(error) === undefinedObject) return false;
      // Another session (a recovery elsewhere, the coordinator) is finishing it this very moment,
      // with the same decision: once it is done the gid is gone (42704), unless that session failed.
      const delay = busyDelaysMs[attempt];
      if (delay !== undefined && isBusy(error)) {
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      throw error;
    }
  }
}

/** PostgreSQL's "prepared transaction with identifier … is busy" (55000). */
function isBusy(error: unknown): boolean {
  return sqlStateOf(error) === '55000' && /\bis busy\b/.test(String((error as Error).message));
}

/**
 * True when a failed PREPARE TRANSACTION may still have prepared: the connection broke or the server
 * went away before answering (class 08, 57P), or the failure is not a server's answer at all. A
 * server's ERROR (say 23505, 40001, 55000) means the transaction was rolled back instead.
 */
export function mayHavePrepared(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code === undefined || /^(08|57P|XX)/.test(code);
}

/** The SQLSTATE an error carries, if any. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
