// Recovery: resolves every prepared transaction of Switchyard's (gid prefix `sy_`) left on any shard,
// from the coordinator log. One run:
//
//   1. reads the log's remembered decisions (before listing the shards: see step 4);
//   2. lists the prepared transactions of every shard, and groups them by transaction (a shard
//      prepares its part under the branch gid `<gid>.<shard>`, see gid.ts);
//   3. for each transaction found: 'commit' in the log → COMMIT PREPARED on every shard holding it; 'abort'
//      → ROLLBACK PREPARED; no decision and abandoned → writes 'abort' (first writer wins: if the
//      coordinator got its 'commit' in first, that stands and is applied instead) and applies what
//      stands; no decision and not abandoned → left alone, in doubt (its coordinator may be between
//      PREPARE and its decision). A gid is abandoned when its oldest PREPARE is older than the
//      transaction timeout, or when it was made by an earlier incarnation of this very router, or
//      (with `soleCoordinator`, embedded shards no other process can reach) by anyone but this
//      coordinator;
//   4. forgets each decision read in step 1 that no shard it names holds any more. A commit is only
//      decided once every participant prepared, so a commit decision that predates the listing and
//      is not found was applied everywhere. An abort decision is also kept for `abortRetentionMs`:
//      a slow coordinator could still PREPARE that gid on another shard, and had the abort been
//      forgotten, write 'commit' for it unopposed; coordinators refuse to write 'commit' after the
//      transaction timeout, and the retention is longer than that.
//
// A run that looks up a decision another run has just forgotten finds none and may write 'abort'
// for a transaction that committed: harmless, since a decision is only forgotten once nothing of
// its transaction is prepared anywhere (its ROLLBACK PREPAREDs find nothing, 42704), and the stray
// abort is forgotten after the retention like any other.
//
// Runs are idempotent and safe concurrently with each other (on any router) and with commits: every
// action follows the one decision the log holds, and finishing a gid that is already gone is done.
// Clocks: a prepared transaction's age compares the shard's clock with this router's; a skew only
// makes recovery abort a transaction sooner or later than the timeout, never resolve it two ways.
import type { PreparedTransaction, ShardBackend } from '../backend/shard-backend.js';
import { finishPrepared } from './finish-prepared.js';
import { GID_PREFIX, parseGid, transactionOf } from './gid.js';
import type { Decision, DecisionRecord, TxnLog } from './txn-log.js';

/** The shards a coordinator works with: every backend, and one by name. A `Cluster` is one. */
export interface ShardDirectory {
  /** The backend of `shard`; throws for an unknown shard. */
  backend(shard: string): ShardBackend;
  /** Every shard's backend. */
  backends(): readonly ShardBackend[];
}

/** A transaction recovery finished or left, and the shards where this run finished (or left) it. */
export interface RecoveredTransaction {
  readonly gid: string;
  readonly shards: readonly string[];
}

/** Something recovery could not do this run (the next run tries again). */
export interface RecoveryFailure {
  readonly shard?: string;
  readonly gid?: string;
  readonly error: unknown;
}

/** What one recovery run did. */
export interface RecoveryReport {
  /** Committed on the listed shards. */
  readonly committed: readonly RecoveredTransaction[];
  /** Rolled back on the listed shards. */
  readonly rolledBack: readonly RecoveredTransaction[];
  /** Prepared, undecided and not abandoned yet: left for their coordinator (or a later run). */
  readonly inDoubt: readonly RecoveredTransaction[];
  /** Decisions dropped from the log. */
  readonly forgotten: readonly string[];
  readonly failures: readonly RecoveryFailure[];
}

/** What a recovery run needs. */
export interface RecoveryContext {
  readonly log: TxnLog;
  readonly shards: ShardDirectory;
  readonly routerId: string;
  readonly incarnation: string;
  readonly transactionTimeoutMs: number;
  readonly abortRetentionMs: number;
  /** True when no other coordinator can reach these shards (see Coordinator's option). */
  readonly soleCoordinator?: boolean;
  /** Wall-clock milliseconds (compared with the shards' PREPARE times). */
  now(): number;
}

/** A transaction's prepared parts found on the shards. */
interface Held {
  /** Shard and the gid its part is prepared under. */
  readonly branches: { shard: string; gid: string }[];
  oldestPreparedAt: number;
}

/**
 * One recovery run (see the file comment).
 *
 * @throws TxnLogError only when the log's decisions cannot be read at all; anything else that fails
 *   (a shard down, one log write) is in `failures`, and the rest of the run goes on.
 */
export async function recoverPrepared(context: RecoveryContext): Promise<RecoveryReport> {
  const { log } = context;
  const snapshot = await log.pending();
  const backends = new Map(context.shards.backends().map((b) => [b.shard, b]));
  const failures: RecoveryFailure[] = [];
  const listedShards = new Set<string>();
  const held = new Map<string, Held>();
  const listings = await Promise.allSettled([...backends.values()].map((b) => b.listPrepared(GID_PREFIX)));
  [...backends.keys()].forEach((shard, i) => {
    const listing = listings[i]!;
    if (listing.status === 'rejected') {
      failures.push({ shard, error: listing.reason });
      return;
    }
    listedShards.add(shard);
    for (const prepared of listing.value) noteHeld(held, shard, prepared);
  });

  const committed: RecoveredTransaction[] = [];
  const rolledBack: RecoveredTransaction[] = [];
  const inDoubt: RecoveredTransaction[] = [];
  const stillHeld = new Set<string>();
  for (const [gid, { branches, oldestPreparedAt }] of held) {
    const shards = branches.map((b) => b.shard);
    let decision: Decision | undefined;
    try {
      decision = await log.decision(gid);
      if (decision === undefined) {
        if (!abandoned(context, gid, oldestPreparedAt)) {
          inDoubt.push({ gid, shards });
          stillHeld.add(gid);
          continue;
        }
        decision = await log.decide(gid, 'abort', shards, `recovery@${context.routerId}`);
      }
    } catch (error) {
      failures.push({ gid, error });
      stillHeld.add(gid);
      continue;
    }
    const standing = decision;
    const results = await Promise.allSettled(
      branches.map(async (b) => finishPrepared(backends.get(b.shard)!, b.gid, standing)),
    );
    const finishedHere: string[] = [];
    results.forEach((result, i) => {
      if (result.status === 'rejected') failures.push({ gid, shard: shards[i]!, error: result.reason });
      else if (result.value) finishedHere.push(shards[i]!);
    });
    if (results.some((r) => r.status === 'rejected')) stillHeld.add(gid);
    // Parts another router or the coordinator finished meanwhile are not this run's doing.
    if (finishedHere.length > 0) {
      (standing === 'commit' ? committed : rolledBack).push({ gid, shards: finishedHere });
    }
  }

  const forgotten: string[] = [];
  for (const entry of snapshot) {
    if (!forgettable(context, entry, held, listedShards, stillHeld)) continue;
    try {
      await log.forget(entry.gid);
      forgotten.push(entry.gid);
    } catch (error) {
      failures.push({ gid: entry.gid, error });
    }
  }
  return { committed, rolledBack, inDoubt, forgotten, failures };
}

function noteHeld(held: Map<string, Held>, shard: string, prepared: PreparedTransaction): void {
  const at = prepared.preparedAt.getTime();
  const gid = transactionOf(prepared.gid);
  const entry = held.get(gid);
  if (entry) {
    entry.branches.push({ shard, gid: prepared.gid });
    entry.oldestPreparedAt = Math.min(entry.oldestPreparedAt, at);
  } else {
    held.set(gid, { branches: [{ shard, gid: prepared.gid }], oldestPreparedAt: at });
  }
}

/** True when nobody can still be working on an undecided gid (see the file comment, step 3). */
function abandoned(context: RecoveryContext, gid: string, oldestPreparedAt: number): boolean {
  const parts = parseGid(gid);
  const ours = parts?.routerId === context.routerId && parts.incarnation === context.incarnation;
  if (context.soleCoordinator && !ours) return true;
  if (parts?.routerId === context.routerId && !ours) return true;
  return context.now() - oldestPreparedAt >= context.transactionTimeoutMs;
}

/** True when a decision read before the listing can be dropped (see the file comment, step 4). */
function forgettable(
  context: RecoveryContext,
  entry: DecisionRecord,
  held: Map<string, Held>,
  listedShards: Set<string>,
  stillHeld: Set<string>,
): boolean {
  if (stillHeld.has(entry.gid)) return false;
  const shards = [...entry.participants, ...(held.get(entry.gid)?.branches.map((b) => b.shard) ?? [])];
  if (shards.some((shard) => !listedShards.has(shard))) return false;
  return entry.decision === 'commit' || entry.ageMs >= context.abortRetentionMs;
}
