// The SQL of two-phase commit on a shard, shared by both backends. PREPARE TRANSACTION, COMMIT
// PREPARED and ROLLBACK PREPARED take the gid as a literal, not a parameter, so a gid is limited to
// characters that need no quoting and is then written between single quotes.
import type { PreparedTransaction, Row } from './shard-backend.js';
import { BackendSqlState, ShardError } from './shard-error.js';

/** Letters, digits and `_ . : -`, 1 to 199 characters (PostgreSQL's limit is 200 bytes with the NUL). */
const gidPattern = /^[A-Za-z0-9_.:-]{1,199}$/;

/** True when `gid` can be used as a prepared transaction's identifier. */
export function isValidGid(gid: string): boolean {
  return gidPattern.test(gid);
}

/** The gid as an SQL literal; a ShardError (22023) for a gid outside the safe character set. */
function gidLiteral(shard: string, gid: string): string {
  if (!isValidGid(gid)) {
    throw new ShardError(
      shard,
      BackendSqlState.invalidParameterValue,
      `invalid prepared transaction id ${JSON.stringify(String(gid).slice(0, 64))}: use 1 to 199 letters, digits, "_", ".", ":" or "-"`,
    );
  }
  return `'${gid}'`;
}

/** `PREPARE TRANSACTION 'gid'`, after checking the gid. */
export function prepareTransactionSql(shard: string, gid: string): string {
  return `PREPARE TRANSACTION ${gidLiteral(shard, gid)}`;
}

/** `COMMIT PREPARED 'gid'`, after checking the gid. */
export function commitPreparedSql(shard: string, gid: string): string {
  return `COMMIT PREPARED ${gidLiteral(shard, gid)}`;
}

/** `ROLLBACK PREPARED 'gid'`, after checking the gid. */
export function rollbackPreparedSql(shard: string, gid: string): string {
  return `ROLLBACK PREPARED ${gidLiteral(shard, gid)}`;
}

/**
 * Lists the prepared transactions of the current database whose gid starts with `$1`; the time is
 * fetched as epoch milliseconds so no timestamp text has to be parsed.
 */
export const listPreparedSql = `SELECT gid, floor(extract(epoch FROM prepared) * 1000)::int8, database
  FROM pg_catalog.pg_prepared_xacts
  WHERE database = current_database() AND starts_with(gid, $1)
  ORDER BY prepared, gid`;

/** Turns the rows of `listPreparedSql` into PreparedTransaction values. */
export function toPreparedTransactions(rows: readonly Row[]): PreparedTransaction[] {
  return rows.map(([gid, epochMs, database]) => ({
    gid: gid ?? '',
    preparedAt: new Date(Number(epochMs)),
    database: database ?? '',
  }));
}

/**
 * The error for PREPARE TRANSACTION outside a transaction block (PostgreSQL would only warn and
 * prepare nothing).
 */
export function noTransactionToPrepare(shard: string): ShardError {
  return new ShardError(
    shard,
    BackendSqlState.noActiveSqlTransaction,
    "PREPARE TRANSACTION needs an open transaction: run BEGIN and the transaction's statements in this session first",
  );
}

/**
 * The error for PREPARE TRANSACTION in a transaction that had failed: the server answers ROLLBACK
 * instead of preparing, and the transaction is gone.
 */
export function preparedRolledBack(shard: string, gid: string): ShardError {
  return new ShardError(
    shard,
    BackendSqlState.transactionRollback,
    `transaction ${gid} was rolled back instead of prepared because a statement in it had failed; retry the whole transaction`,
  );
}
