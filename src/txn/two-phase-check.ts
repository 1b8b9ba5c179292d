// A shard with max_prepared_transactions = 0 cannot prepare, so it cannot take part in a transaction
// that writes to several shards. Checking up front lets the client get a clear refusal before any of
// its statements ran, instead of a rollback at COMMIT.
import type { ShardBackend } from '../backend/shard-backend.js';
import { TxnError, TxnSqlState } from './txn-errors.js';

/**
 * Resolves when `backend`'s shard can prepare transactions (`max_prepared_transactions` > 0).
 *
 * @throws TxnError 55000 naming the shard and the setting; the shard's error when it cannot be asked.
 */
export async function checkTwoPhaseCommit(backend: ShardBackend): Promise<void> {
  const { rows } = await backend.query('SHOW max_prepared_transactions');
  const value = rows[0]?.[0];
  const count = Number(value);
  if (Number.isInteger(count) && count > 0) return;
  throw new TxnError(
    TxnSqlState.objectNotInPrerequisiteState,
    `shard "${backend.shard}" has max_prepared_transactions = ${value ?? 'unknown'}, so it cannot take part in a ` +
      'transaction that writes to several shards (they commit with two-phase commit). Set max_prepared_transactions ' +
      "to at least max_connections in that server's postgresql.conf and restart it, or write to one shard per transaction",
    { shard: backend.shard },
  );
}
