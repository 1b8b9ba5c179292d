// How far a replication slot is behind its server: WAL bytes between the slot's confirmed position
// and the server's current one, and, when no connection is reading the slot, the commit time of the
// first transaction it still holds (peeked: nothing is consumed).
import type { ShardQueryable } from '../../backend/shard-backend.js';
import { ShardError } from '../../backend/shard-error.js';
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import { pgTimeToDate } from '../pgoutput/replication-messages.js';

/** The slot as the server sees it. */
export interface SlotLag {
  readonly bytes: number;
  readonly walStatus: string | null;
  /** A connection is reading the slot (ours or another process's). */
  readonly active: boolean;
}

/**
 * Bytes behind and status of `slot`.
 *
 * @throws CdcError 55000 when the slot does not exist.
 */
export async function slotLag(db: ShardQueryable, shard: string, slot: string): Promise<SlotLag> {
  const { rows } = await db.query(
    `SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::text, wal_status, active
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (!row) throw missingSlot(shard, slot);
  return { bytes: Math.max(0, Number(row[0])), walStatus: row[1] ?? null, active: row[2] === 't' };
}

/**
 * Commit time of the oldest transaction the slot still holds for the publication, or null when it
 * holds none. Only for a slot no connection reads (undefined when one started meanwhile). The server
 * decodes up to that first transaction to answer.
 */
export async function oldestHeldCommit(
  db: ShardQueryable,
  slot: string,
  publication: string,
): Promise<Date | null | undefined> {
  try {
    const { rows } = await db.query(
      `SELECT encode(substr(data, 1, 17), 'hex') FROM pg_logical_slot_peek_binary_changes($1, NULL, 1,
         'proto_version', '1', 'publication_names', $2) WHERE get_byte(data, 0) = 66 LIMIT 1`,
      [slot, publication],
    );
    const hex = rows[0]?.[0];
    if (!hex) return null;
    // Begin: 'B', final LSN (8 bytes), commit time (8 bytes, microseconds since 2000).
    return pgTimeToDate(Buffer.from(hex, 'hex').readBigInt64BE(9));
  } catch (error) {
    if (error instanceof ShardError && error.code === '55006') return undefined;
    throw error;
  }
}

function missingSlot(shard: string, slot: string): CdcError {
  return new CdcError(
    CdcErrorCode.notInPrerequisiteState,
    `replication slot ${slot} does not exist: change capture was not installed for this consumer, or the slot was dropped (its unread changes are gone); start the cluster with the consumer in cdc.consumers to create it`,
    { shard },
  );
}

export { missingSlot };
