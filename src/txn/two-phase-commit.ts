// One transaction's two-phase commit, as a state machine:
//
//   preparing ──all prepared──► deciding ──'commit' stands──► committing ──► committed
//       │                          │  └──'abort' stands (recovery won) / too slow──┐
//       └──a shard failed──────────┴──────────────────────────────────► aborting ──► rolled-back
//                                  └──the log could not be written──► in-doubt (08007)
//   any step ──a hook threw──► crashed (nothing more is done)
//
// preparing: PREPARE TRANSACTION on every participant at once, each shard under its branch gid
// (`<gid>.<shard>`, see gid.ts). aborting: the participants that did
// not prepare are aborted, 'abort' is logged (so recovery can roll back at once what this
// coordinator cannot), every prepared part is rolled back through the shard's backend, and the
// caller gets 40000. deciding: 'commit' is written to the log; what stands is what happens.
// committing: COMMIT PREPARED on every shard at once; a shard that fails is handed to background
// retries, and the caller is told it committed (it has: the decision is durable).
import type { ShardBackend } from '../backend/shard-backend.js';
import type { Logger } from '../util/logger.js';
import { finishPrepared, mayHavePrepared, sqlStateOf } from './finish-prepared.js';
import { branchGid } from './gid.js';
import { messageOf, TxnError, TxnSqlState } from './txn-errors.js';
import type { Decision, TxnLog } from './txn-log.js';
import type { TxnCounters } from './txn-metrics.js';
import type { TxnParticipant } from './txn-participant.js';

/** The points of the protocol where a test can make the coordinator "crash". */
export type CommitStep =
  | 'before-prepare'
  | 'after-prepare'
  | 'after-decision'
  | 'before-commit'
  | 'after-commit';

/**
 * Fault injection for tests. `at` is called
 * - `before-prepare` (shard) before each participant's PREPARE TRANSACTION is sent,
 * - `after-prepare` (shard) after each participant answered that it prepared,
 * - `after-decision` (no shard) once a decision ('commit', or 'abort' on the way to a rollback) is
 *   durable in the log,
 * - `before-commit` (shard) before each shard's COMMIT PREPARED is sent,
 * - `after-commit` (shard) after each shard's COMMIT PREPARED succeeded.
 *
 * The hooks of one step are called for the participants in their order, each participant going on
 * as soon as its own hook returns; so a test that wants exactly some shards through a step makes the
 * others' hooks wait (return a promise) until it has crashed the coordinator.
 *
 * Throwing from `at` simulates a crash of the coordinator at that point: it calls no further hook,
 * sends nothing more to any shard, writes nothing more to the log, schedules no retry and calls no
 * participant's `abort()`. Operations already in flight (other participants' PREPAREs or COMMIT
 * PREPAREDs running in parallel) finish as they would have without the crash, and once they have,
 * `commit()` rejects with the error the hook threw. What a crash would also do, drop the participants'
 * connections, is up to the test. An `at` that returns a promise holds the coordinator at that step
 * until it settles (to run something concurrently with a transaction in flight).
 */
export interface CommitHooks {
  at(step: CommitStep, shard?: string): Promise<void> | void;
}

/** How a two-phase commit ended, when it committed. */
export interface CommitOutcome {
  readonly gid: string;
  /** Every participant's shard. */
  readonly shards: readonly string[];
  /**
   * Shards whose COMMIT PREPARED failed after the decision and are being retried in the background
   * (until they commit; recovery would commit them too). Their part is committed as far as the
   * transaction's outcome goes, but not yet visible there.
   */
  readonly pendingShards: readonly string[];
}

/** What a two-phase commit needs from its coordinator. */
export interface CommitHost {
  readonly log: TxnLog;
  /** Written as `decidedBy` in the log. */
  readonly routerId: string;
  readonly transactionTimeoutMs: number;
  readonly counters: TxnCounters;
  readonly logger: Logger;
  now(): number;
  /** The backend of `shard`; throws for an unknown shard. */
  backend(shard: string): ShardBackend;
  /** Repeats COMMIT PREPARED on `shards` in the background, then forgets `gid`. */
  retryCommits(gid: string, shards: readonly string[]): void;
  /** Forgets `gid` in the background. */
  forgetLater(gid: string): void;
}

/** The states of a TwoPhaseCommit (see the file comment). */
export type CommitState =
  | 'new'
  | 'preparing'
  | 'deciding'
  | 'committing'
  | 'committed'
  | 'aborting'
  | 'rolled-back'
  | 'in-doubt'
  | 'crashed';

/** Thrown inside the machine once a hook crashed it; `run` turns it into the hook's own error. */
const crashed = new Error('the coordinator crashed (simulated)');

/** Why a transaction is rolled back instead of committed. */
type RollbackReason =
  | { kind: 'prepare-failed'; shard: string; error: unknown }
  | { kind: 'too-slow'; elapsedMs: number }
  | { kind: 'abort-stood' };

/** One transaction's two-phase commit; run it once. */
export class TwoPhaseCommit {
  state: CommitState = 'new';
  readonly #shards: readonly string[];
  #crash: { error: unknown } | undefined;

  constructor(
    private readonly host: CommitHost,
    readonly gid: string,
    private readonly participants: readonly TxnParticipant[],
    private readonly hooks: CommitHooks | undefined,
  ) {
    this.#shards = participants.map((p) => p.shard);
  }

  /**
   * Runs the protocol to its end.
   *
   * @throws TxnError 40000 (or the failing shard's own class-40 code) when it was rolled back, 08007
   *   when the decision could not be written; the hook's error after a simulated crash.
   */
  async run(): Promise<CommitOutcome> {
    try {
      return await this.#run();
    } catch (error) {
      if (error === crashed) {
        this.state = 'crashed';
        throw this.#crash?.error;
      }
      throw error;
    }
  }

  async #run(): Promise<CommitOutcome> {
    const started = this.host.now();
    this.state = 'preparing';
    const prepared = new Set<string>();
    const unsure = new Set<string>();
    const failures: { shard: string; error: unknown }[] = [];
    await Promise.allSettled(
      this.participants.map(async (participant) => {
        await this.#at('before-prepare', participant.shard);
        try {
          await participant.prepare(branchGid(this.gid, participant.shard));
        } catch (error) {
          failures.push({ shard: participant.shard, error });
          if (mayHavePrepared(error)) unsure.add(participant.shard);
          return;
        }
        prepared.add(participant.shard);
        await this.#at('after-prepare', participant.shard);
      }),
    );
    if (this.#crash) throw crashed;
    const firstFailure = failures[0];
    if (firstFailure) {
      return this.#rollBack(prepared, unsure, { kind: 'prepare-failed', ...firstFailure });
    }

    this.state = 'deciding';
    const elapsedMs = this.host.now() - started;
    // Past the transaction timeout a recovery may have aborted this gid, and an abort decision is only
    // kept for a while: committing this late could outlive it (see Coordinator, "forgetting").
    if (elapsedMs > this.host.transactionTimeoutMs) {
      return this.#rollBack(prepared, unsure, { kind: 'too-slow', elapsedMs });
    }
    let standing: Decision;
    try {
      standing = await this.host.log.decide(this.gid, 'commit', this.#shards, this.host.routerId);
    } catch (error) {
      this.state = 'in-doubt';
      this.host.counters.outcomeUnknown += 1;
      throw new TxnError(
        TxnSqlState.transactionResolutionUnknown,
        `transaction ${this.gid} is prepared on every shard but its commit decision could not be written to the ` +
          `coordinator log (${messageOf(error)}); whether it commits is not known yet: recovery commits it if the ` +
          'decision reached the log and rolls it back otherwise. Check whether its changes are there before retrying it',
        { gid: this.gid, cause: error },
      );
    }
    if (standing === 'abort') {
      await this.#at('after-decision');
      return this.#rollBack(prepared, unsure, { kind: 'abort-stood' });
    }
    await this.#at('after-decision');

    this.state = 'committing';
    const failed: string[] = [];
    await Promise.allSettled(
      this.#shards.map(async (shard) => {
        await this.#at('before-commit', shard);
        try {
          await finishPrepared(this.host.backend(shard), branchGid(this.gid, shard), 'commit');
        } catch (error) {
          failed.push(shard);
          this.host.logger.warn({ err: error, gid: this.gid, shard }, 'COMMIT PREPARED failed; retrying');
          return;
        }
        await this.#at('after-commit', shard);
      }),
    );
    if (this.#crash) throw crashed;
    this.state = 'committed';
    this.host.counters.committed += 1;
    if (failed.length > 0) this.host.retryCommits(this.gid, failed);
    else this.host.forgetLater(this.gid);
    return { gid: this.gid, shards: this.#shards, pendingShards: failed };
  }

  /** Calls the hook; a throw crashes the machine. Also stops a participant once another one crashed it. */
  async #at(step: CommitStep, shard?: string): Promise<void> {
    if (this.#crash) throw crashed;
    if (this.hooks) {
      try {
        await this.hooks.at(step, shard);
      } catch (error) {
        this.#crash ??= { error };
        throw crashed;
      }
    }
    if (this.#crash) throw crashed;
  }

  /** The aborting state: see the file comment. Always throws. */
  async #rollBack(prepared: Set<string>, unsure: Set<string>, reason: RollbackReason): Promise<never> {
    this.state = 'aborting';
    const { gid, host } = this;
    await Promise.allSettled(
      this.participants
        .filter((p) => !prepared.has(p.shard))
        .map(async (p) => {
          try {
            await p.abort();
          } catch (error) {
            host.logger.warn({ err: error, gid, shard: p.shard }, 'aborting a participant failed');
          }
        }),
    );
    const toRollBack = [...prepared, ...unsure];
    const unconfirmed: string[] = [];
    if (toRollBack.length > 0) {
      let logged = reason.kind === 'abort-stood';
      if (!logged) {
        let standing: Decision | undefined;
        try {
          standing = await host.log.decide(gid, 'abort', toRollBack, host.routerId);
          logged = true;
        } catch (error) {
          host.logger.warn(
            { err: error, gid },
            'could not log the abort; recovery will roll back after the timeout',
          );
        }
        // Only this coordinator ever writes 'commit' for its gids, and it has not; should the log say
        // otherwise (a gid reused by hand?), rolling back could split the transaction: leave it be.
        if (standing === 'commit') {
          this.state = 'in-doubt';
          throw new TxnError(
            TxnSqlState.internalError,
            `transaction ${gid} has a commit decision in the coordinator log that this coordinator did not write; ` +
              'nothing was rolled back, and recovery will commit its prepared parts',
            { gid },
          );
        }
        if (logged) await this.#at('after-decision');
      }
      const results = await Promise.allSettled(
        toRollBack.map(async (shard) => finishPrepared(host.backend(shard), branchGid(gid, shard), 'abort')),
      );
      results.forEach((result, i) => {
        if (result.status === 'rejected') {
          unconfirmed.push(toRollBack[i]!);
          host.logger.warn({ err: result.reason, gid, shard: toRollBack[i] }, 'ROLLBACK PREPARED failed');
        }
      });
      // A recovery's abort stays in the log for a while (see Coordinator); our own can go now.
      if (unconfirmed.length === 0 && logged && reason.kind !== 'abort-stood') host.forgetLater(gid);
    }
    this.state = 'rolled-back';
    host.counters.rolledBack += 1;
    throw rolledBackError(gid, reason, unconfirmed);
  }
}

/** The error a client gets for a transaction rolled back on every shard. */
function rolledBackError(gid: string, reason: RollbackReason, unconfirmed: readonly string[]): TxnError {
  let why: string;
  let code: string = TxnSqlState.transactionRollback;
  let shard: string | undefined;
  let cause: unknown;
  switch (reason.kind) {
    case 'prepare-failed': {
      const shardCode = sqlStateOf(reason.error);
      // A shard's own class-40 code (40001 serialization failure, 40P01 deadlock) tells clients to retry.
      if (shardCode?.startsWith('40')) code = shardCode;
      const message = (reason.error as { serverMessage?: unknown }).serverMessage ?? messageOf(reason.error);
      why = `shard "${reason.shard}" could not prepare it: ${String(message)}${shardCode ? ` (SQLSTATE ${shardCode})` : ''}`;
      if (shardCode === '55000' && /prepared transactions are disabled/i.test(String(message))) {
        why += '; set max_prepared_transactions above 0 on that shard (in postgresql.conf) and restart it';
      }
      shard = reason.shard;
      cause = reason.error;
      break;
    }
    case 'too-slow':
      why = `committing it took ${Math.round(reason.elapsedMs)} ms, longer than the transaction timeout, so it was abandoned`;
      break;
    case 'abort-stood':
      why =
        'a recovery run had already decided to abort it (its shards held it prepared for longer than the transaction ' +
        'timeout); retry the transaction';
      break;
  }
  const stragglers =
    unconfirmed.length > 0
      ? `; the prepared part on ${unconfirmed.map((s) => `"${s}"`).join(', ')} could not be rolled back now and ` +
        'stays prepared (invisible, holding its locks) until recovery rolls it back'
      : '';
  const where = unconfirmed.length > 0 ? ' (it commits on no shard)' : ' on every shard';
  return new TxnError(code, `transaction ${gid} was rolled back${where}: ${why}${stragglers}`, {
    gid,
    ...(shard !== undefined ? { shard } : {}),
    cause,
  });
}
