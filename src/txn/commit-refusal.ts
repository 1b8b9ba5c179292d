// What `Coordinator.commit` refuses before anything is sent: a stopped coordinator, a gid it did not
// make or is already committing, and a participant list that is empty, repeats a shard or names a
// shard it does not know.
import { isValidGid } from '../backend/prepared-transactions.js';
import { branchGid } from './gid.js';
import type { ShardDirectory } from './recovery.js';
import { messageOf, TxnError, TxnSqlState } from './txn-errors.js';
import { checkGid } from './txn-log.js';
import type { TxnParticipant } from './txn-participant.js';

/** What the check needs to know of the coordinator. */
export interface CommitRefusalContext {
  readonly stopped: boolean;
  /** The prefix of the coordinator's own gids. */
  readonly gidPrefix: string;
  /** Gids being committed right now. */
  readonly active: ReadonlySet<string>;
  readonly shards: ShardDirectory;
}

/** The error refusing this commit, or undefined when it may go ahead. */
export function refuseCommit(
  gid: string,
  participants: readonly TxnParticipant[],
  context: CommitRefusalContext,
): TxnError | undefined {
  if (context.stopped) {
    return new TxnError(
      TxnSqlState.objectNotInPrerequisiteState,
      'the transaction coordinator is stopped (Switchyard is shutting down); the transaction was rolled back',
      { gid },
    );
  }
  try {
    checkGid(gid);
  } catch (error) {
    return error as TxnError;
  }
  if (!gid.startsWith(context.gidPrefix)) {
    return invalid(gid, `transaction id ${gid} was not made by this coordinator; use newGid()`);
  }
  if (context.active.has(gid)) return invalid(gid, `transaction ${gid} is already being committed`);
  if (!Array.isArray(participants) || participants.length === 0) {
    return invalid(
      gid,
      `transaction ${gid} has no participants: a two-phase commit needs at least one shard`,
    );
  }
  const seen = new Set<string>();
  for (const p of participants) {
    if (
      !p ||
      typeof p.shard !== 'string' ||
      typeof p.prepare !== 'function' ||
      typeof p.abort !== 'function'
    ) {
      return invalid(gid, `transaction ${gid}: a participant needs shard, prepare() and abort()`);
    }
    if (seen.has(p.shard)) return invalid(gid, `transaction ${gid} names shard "${p.shard}" twice`);
    seen.add(p.shard);
    try {
      context.shards.backend(p.shard);
    } catch (error) {
      return invalid(gid, `transaction ${gid}: shard "${p.shard}" is unknown here (${messageOf(error)})`);
    }
    if (!isValidGid(branchGid(gid, p.shard))) {
      return invalid(
        gid,
        `transaction ${gid}: shard name "${p.shard.slice(0, 80)}" cannot be part of a prepared transaction id; ` +
          'use shard names of letters, digits, "_", ".", ":" or "-" (at most 63)',
      );
    }
  }
  return undefined;
}

function invalid(gid: string, message: string): TxnError {
  return new TxnError(TxnSqlState.invalidParameterValue, message, { gid });
}
