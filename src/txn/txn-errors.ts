// The errors two-phase commit raises on purpose. Those that reach a client carry the SQLSTATE a
// PostgreSQL server would send in the same situation; none of them contains query parameters.
import { SwitchyardError } from '../util/errors.js';

/** SQLSTATEs of transactions across shards (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const TxnSqlState = {
  /** The transaction was rolled back on every shard (class 40: transaction_rollback). */
  transactionRollback: '40000',
  /** The decision could not be written: nobody knows yet whether it commits (transaction_resolution_unknown). */
  transactionResolutionUnknown: '08007',
  /** A shard cannot take part (max_prepared_transactions = 0), or the coordinator is stopped. */
  objectNotInPrerequisiteState: '55000',
  /** The coordinator log is held by another process. */
  objectInUse: '55006',
  /** A bad argument: a gid, a participant list, a decision. */
  invalidParameterValue: '22023',
  /** The coordinator log file could not be read or written. */
  ioError: '58030',
  /** The coordinator log database could not be reached. */
  connectionFailure: '08006',
  /** The coordinator log holds something it did not write. */
  dataCorrupted: 'XX001',
  /** Something that cannot happen did. */
  internalError: 'XX000',
} as const;

/** What a TxnError may say besides its code and message. */
export interface TxnErrorOptions {
  readonly cause?: unknown;
  /** The transaction's gid, when the error is about one transaction. */
  readonly gid?: string;
  /** The shard the error is about, when there is one. */
  readonly shard?: string;
}

/**
 * An error of a transaction across shards: `code` is a SQLSTATE (see `TxnSqlState`; a shard's own
 * class-40 code such as 40001 is kept so clients' retry logic works), `gid` and `shard` say which
 * transaction and which shard, `cause` holds the shard's or the log's own error.
 *
 * @example
 *   try { await coordinator.commit(gid, participants); }
 *   catch (e) { if (e instanceof TxnError && e.code.startsWith('40')) retryTheWholeTransaction(); }
 */
export class TxnError extends SwitchyardError {
  override name = 'TxnError';
  readonly gid?: string;
  readonly shard?: string;

  constructor(code: string, message: string, options: TxnErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    if (options.gid !== undefined) this.gid = options.gid;
    if (options.shard !== undefined) this.shard = options.shard;
  }
}

/**
 * The coordinator log failed: unreachable, unwritable, held by another process, or damaged. `code` is
 * a SQLSTATE (58030 file I/O, 08006 log database unreachable or the database's own code, 55006 in
 * use, XX001 damaged, 55000 closed).
 */
export class TxnLogError extends SwitchyardError {
  override name = 'TxnLogError';
}

/** The message of any thrown value, for composing messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
