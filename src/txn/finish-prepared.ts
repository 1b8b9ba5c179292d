// Finishing a prepared transaction on one shard, and reading what a failed PREPARE left behind.
import type { ShardBackend } from '../backend/shard-backend.js';
import type { Decision } from './txn-log.js';

/** SQLSTATE of COMMIT/ROLLBACK PREPARED for a gid the shard does not hold. */
const undefinedObject = '42704';

/**
 * Applies `decision` to `gid` on `backend`: COMMIT PREPARED or ROLLBACK PREPARED. A shard that no
 * longer holds the gid (42704) counts as done: somebody applied the same decision already (the
 * coordinator and recovery may race, and a gid only ever gets one decision).
 */
export async function finishPrepared(backend: ShardBackend, gid: string, decision: Decision): Promise<void> {
  try {
    if (decision === 'commit') await backend.commitPrepared(gid);
    else await backend.rollbackPrepared(gid);
  } catch (error) {
    if (sqlStateOf(error) === undefinedObject) return;
    throw error;
  }
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
