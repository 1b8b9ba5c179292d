// Tagging a shard's part of a distributed (two-phase) transaction with Switchyard's global
// transaction id, so every consumer sees which events of which shards belong to one transaction.
// One statement serves both kinds of shard: on PostgreSQL the transactional logical message travels
// in the WAL with the transaction and reaches the replication stream before its later changes; on
// PGlite the transaction-local setting is read by the changelog's default for `gid`. Run it first in
// the transaction: changes made before it carry no global id.

import { isValidGid } from '../backend/prepared-transactions.js';
import type { ShardQueryable } from '../backend/shard-backend.js';
import { CdcError, CdcErrorCode } from './cdc-error.js';

/** The logical message prefix (PostgreSQL) and setting name (PGlite) that carry the global id. */
export const globalTransactionPrefix = 'switchyard.gid';

/** The statement `tagGlobalTransaction` runs, with the global id as `$1`. */
export const tagGlobalTransactionSql = `SELECT set_config('${globalTransactionPrefix}', $1, true), pg_logical_emit_message(true, '${globalTransactionPrefix}', $1)`;

/**
 * Marks the transaction open on `session` as part of the distributed transaction `globalId`.
 *
 * @example
 *   const session = await backend.session();
 *   await session.exec('BEGIN');
 *   await tagGlobalTransaction(session, 'sy-7f3a');
 *   await session.query('UPDATE accounts SET balance = balance - 10 WHERE id = $1', [1]);
 *   await session.prepareTransaction('sy-7f3a:s0');
 * @throws CdcError 22023 for an id that is not 1 to 199 letters, digits, "_", ".", ":" or "-".
 */
export async function tagGlobalTransaction(session: ShardQueryable, globalId: string): Promise<void> {
  if (!isValidGid(globalId)) {
    throw new CdcError(
      CdcErrorCode.invalidParameter,
      `invalid global transaction id ${JSON.stringify(String(globalId).slice(0, 64))}: use 1 to 199 letters, digits, "_", ".", ":" or "-"`,
    );
  }
  await session.query(tagGlobalTransactionSql, [globalId]);
}

/**
 * `tagGlobalTransactionSql` with the id written in (the wire session sends it as a simple Query
 * ahead of a shard's first write in a transaction).
 *
 * @throws CdcError 22023 for an invalid id
 */
export function tagGlobalTransactionStatement(globalId: string): string {
  if (!isValidGid(globalId)) {
    throw new CdcError(CdcErrorCode.invalidParameter, `invalid global transaction id for tagging`);
  }
  return tagGlobalTransactionSql.replaceAll('$1', `'${globalId}'`);
}
