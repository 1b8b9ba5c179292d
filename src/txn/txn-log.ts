// The coordinator log: the one durable place that says whether a transaction prepared on several
// shards commits or aborts. A gid gets exactly one decision, and the first writer wins: a
// coordinator writing 'commit' and a recovery writing 'abort' for the same gid both get back the
// decision that stands, so they never resolve one transaction two ways, even from different routers
// sharing one log.
import { isValidGid } from '../backend/prepared-transactions.js';
import { TxnError, TxnSqlState } from './txn-errors.js';

/** What happens to a prepared transaction on every shard. */
export type Decision = 'commit' | 'abort';

/** A decision still remembered by the log (decided, not yet forgotten). */
export interface DecisionRecord {
  readonly gid: string;
  readonly decision: Decision;
  /** The shards the decider knew to hold the transaction (all of them, for a coordinator's decision). */
  readonly participants: readonly string[];
  /** Who wrote the decision (a router id, or `recovery@<router id>`). */
  readonly decidedBy: string;
  /** Milliseconds since the decision was written, by the log's own clock. */
  readonly ageMs: number;
}

/**
 * Where decisions are kept durably. `FileTxnLog` (embedded: a file in the data folder, fsynced) and
 * `PostgresTxnLog` (distributed: a table in the catalog database) implement it; `MemoryTxnLog` is for
 * tests.
 */
export interface TxnLog {
  /** Where the log is, for messages (a file path, or a table and database). */
  readonly location: string;
  /**
   * Records `decision` for `gid` unless the gid already has one, and returns the decision that stands
   * (the earlier one, if any). Resolves only once the standing decision is durable, for every caller.
   *
   * @throws TxnError 22023 for a gid outside `[A-Za-z0-9_.:-]{1,199}`, an unknown decision or a bad
   *   participant list; TxnLogError when the log cannot be written (the outcome is then unknown).
   */
  decide(
    gid: string,
    decision: Decision,
    participants: readonly string[],
    decidedBy?: string,
  ): Promise<Decision>;
  /** The decision standing for `gid`, or undefined when it has none (never decided, or forgotten). */
  decision(gid: string): Promise<Decision | undefined>;
  /**
   * Drops the decision for `gid`, once no shard holds the transaction any more. Unknown gids are
   * ignored. After this the gid could be decided anew, so only forget what can never be prepared again.
   */
  forget(gid: string): Promise<void>;
  /** Every decision not yet forgotten, oldest first. */
  pending(): Promise<DecisionRecord[]>;
  /** Releases the log (files, locks, connections). Safe to call twice. */
  close(): Promise<void>;
}

/** Checks the arguments of `decide`; a TxnError 22023 names the first problem. */
export function checkDecideArgs(gid: string, decision: Decision, participants: readonly string[]): void {
  checkGid(gid);
  if (decision !== 'commit' && decision !== 'abort') {
    throw new TxnError(
      TxnSqlState.invalidParameterValue,
      `invalid decision ${JSON.stringify(String(decision)).slice(0, 40)} for transaction ${gid}: expected "commit" or "abort"`,
      { gid },
    );
  }
  if (!Array.isArray(participants) || participants.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new TxnError(
      TxnSqlState.invalidParameterValue,
      `invalid participants for transaction ${gid}: expected a list of shard names`,
      { gid },
    );
  }
}

/** Checks a gid; a TxnError 22023 says what a gid may contain. */
export function checkGid(gid: string): void {
  if (typeof gid !== 'string' || !isValidGid(gid)) {
    throw new TxnError(
      TxnSqlState.invalidParameterValue,
      `invalid transaction id ${JSON.stringify(String(gid).slice(0, 64))}: use 1 to 199 letters, digits, "_", ".", ":" or "-"`,
    );
  }
}
