// Errors of the stream layer. A strategy that does not fit its query is refused with 0A000 (the
// query reaches Switchyard as SQL, so the code may reach a Postgres client); the rest are internal.
import { SwitchyardError } from '../util/errors.js';

/** Codes of the errors `stream/` raises. */
export const StreamErrorCode = {
  /** A strategy that cannot serve the query it was given (e.g. round_robin under GROUP BY). */
  strategyMismatch: '0A000',
  /** A change whose row lacks a group key column. */
  missingKeyColumn: 'STREAM_MISSING_KEY_COLUMN',
  /** Bad options (partition count, capacity, …). */
  invalidOption: '22023',
  /** A partition whose handler kept failing on the same events. */
  partitionFailed: 'STREAM_PARTITION_FAILED',
  /** The processor was closed. */
  closed: 'STREAM_CLOSED',
} as const;

/** An error raised by a partitioning strategy or the partitioned processor. */
export class StreamError extends SwitchyardError {
  override name = 'StreamError';
}

/** A row without a value for a group key column: routing it by NULL would put it in the wrong group. */
export function missingKeyColumn(column: string): StreamError {
  return new StreamError(
    StreamErrorCode.missingKeyColumn,
    `a change has no value for the key column "${column}"; capture the table with REPLICA IDENTITY FULL ` +
      'so that deletes carry whole rows, or check the column name',
  );
}
