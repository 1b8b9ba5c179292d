// The coordinator of transactions that write to several shards: two-phase commit (see
// two-phase-commit.ts), background retries of COMMIT PREPARED, recovery of prepared transactions left
// by crashed coordinators (see recovery.ts), and the counters the control plane reads. It knows
// nothing of the wire protocol: a transaction's shards come in as TxnParticipants.
//
// One Coordinator per router process, each with a router id unique among the running routers; all
// routers sharing a log should use the same timeouts.
//
// Timeouts. `transactionTimeoutMs` (default 60 s) is how long a transaction may stay prepared
// without a decision before recovery presumes its coordinator dead and aborts it; a coordinator
// whose prepare phase outlasts it aborts the transaction itself rather than commit it. An abort
// decision is kept in the log for `abortRetentionMs` (default 1 h, at least twice the timeout) after
// which recovery forgets it once no shard holds the transaction.
import type { ShardBackend } from '../backend/shard-backend.js';
import { type Logger, loggerFor } from '../util/logger.js';
import { refuseCommit } from './commit-refusal.js';
import { retryCommitPrepared } from './commit-retry.js';
import { GidSequence } from './gid.js';
import { type RecoveryReport, recoverPrepared, type ShardDirectory } from './recovery.js';
import { checkTwoPhaseCommit } from './two-phase-check.js';
import { type CommitHooks, type CommitOutcome, TwoPhaseCommit } from './two-phase-commit.js';
import { TxnError, TxnSqlState } from './txn-errors.js';
import type { TxnLog } from './txn-log.js';
import { newTxnCounters, type TxnCounters, type TxnMetrics } from './txn-metrics.js';
import type { TxnParticipant } from './txn-participant.js';

/** How a Coordinator is made. */
export interface CoordinatorOptions {
  /** Where decisions are kept: FileTxnLog (embedded) or PostgresTxnLog (distributed). Not closed by `stop()`. */
  readonly log: TxnLog;
  /** The shards' backends (a Cluster is one). */
  readonly shards: ShardDirectory;
  /** This router's id, stable across restarts and unique among running routers: 1 to 64 of `A-Za-z0-9.:-`. */
  readonly routerId: string;
  /** See the file comment; default 60 000. */
  readonly transactionTimeoutMs?: number;
  /** See the file comment; default 3 600 000, at least twice `transactionTimeoutMs`. */
  readonly abortRetentionMs?: number;
  /**
   * True when no other router can reach the shards (embedded mode: PGlite shards live in this
   * process). Recovery then aborts at once every undecided prepared transaction this coordinator
   * did not make, whatever its router id or age, instead of waiting for the transaction timeout
   * while the embedded shard stays blocked. Default false.
   */
  readonly soleCoordinator?: boolean;
  /** First delay before repeating a failed COMMIT PREPARED, doubled up to `retryMaxDelayMs`; default 100. */
  readonly retryInitialDelayMs?: number;
  /** Default 10 000. */
  readonly retryMaxDelayMs?: number;
  /** Wall-clock milliseconds; default `Date.now` (tests pass their own). */
  readonly now?: () => number;
  /** This coordinator's incarnation (default: a new one); see gid.ts. For tests. */
  readonly incarnation?: string;
  readonly logger?: Logger;
}

/**
 * Commits transactions across shards atomically and recovers those a crash left prepared.
 *
 * @example
 *   const coordinator = new Coordinator({ log, shards: cluster, routerId: 'router-1' });
 *   await coordinator.startRecovery(30_000); // first run now, then every 30 s
 *   await coordinator.requireTwoPhase('s0'); // before a transaction's second shard is written
 *   const gid = coordinator.newGid();
 *   const outcome = await coordinator.commit(gid, participants); // throws TxnError 40000 if rolled back
 *   await coordinator.stop();
 */
export class Coordinator {
  readonly routerId: string;
  readonly incarnation: string;
  readonly transactionTimeoutMs: number;
  readonly abortRetentionMs: number;
  readonly soleCoordinator: boolean;
  readonly #log: TxnLog;
  readonly #shards: ShardDirectory;
  readonly #gids: GidSequence;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #retryInitialDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #counters: TxnCounters = newTxnCounters();
  /** Gids whose commit() is running. */
  readonly #active = new Set<string>();
  /** Gid → shards whose COMMIT PREPARED is being retried. */
  readonly #retrying = new Map<string, Set<string>>();
  /** Gids the last recovery run left in doubt. */
  #recoveryInDoubt = new Set<string>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #checked = new WeakMap<ShardBackend, Promise<void>>();
  readonly #stop = new AbortController();
  #recovering: Promise<RecoveryReport> | undefined;
  #recoveryTimer: NodeJS.Timeout | undefined;
  #recoveryStarted = false;

  constructor(options: CoordinatorOptions) {
    this.#gids = new GidSequence(options.routerId, options.incarnation);
    this.routerId = this.#gids.routerId;
    this.incarnation = this.#gids.incarnation;
    this.transactionTimeoutMs = checkMs('transactionTimeoutMs', options.transactionTimeoutMs ?? 60_000);
    this.abortRetentionMs = checkMs('abortRetentionMs', options.abortRetentionMs ?? 3_600_000);
    if (this.abortRetentionMs < 2 * this.transactionTimeoutMs) {
      throw invalid(
        `abortRetentionMs (${this.abortRetentionMs}) must be at least twice transactionTimeoutMs (${this.transactionTimeoutMs}): ` +
          'an abort decision must outlive any coordinator that could still try to commit the transaction',
      );
    }
    this.#retryInitialDelayMs = Math.max(
      1,
      checkMs('retryInitialDelayMs', options.retryInitialDelayMs ?? 100),
    );
    this.#retryMaxDelayMs = Math.max(
      this.#retryInitialDelayMs,
      checkMs('retryMaxDelayMs', options.retryMaxDelayMs ?? 10_000),
    );
    this.soleCoordinator = options.soleCoordinator ?? false;
    this.#log = options.log;
    this.#shards = options.shards;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? loggerFor('txn', { router: this.routerId });
  }

  /** The start of every gid this coordinator makes. */
  get gidPrefix(): string {
    return this.#gids.prefix;
  }

  /** A new gid for `commit`, unique across routers and restarts (see gid.ts). */
  newGid(): string {
    return this.#gids.next();
  }

  /** Counts a transaction that wrote to a single shard and committed there without two-phase commit. */
  noteOnePhase(): void {
    this.#counters.onePhase += 1;
  }

  /**
   * Resolves when `shard` can take part in two-phase commit; checked once per backend (a refusal is
   * checked again next time). Call it before the transaction's statements run on the shard: on an
   * embedded shard the check needs the shard's only connection.
   *
   * @throws TxnError 55000 naming the shard and `max_prepared_transactions` when it is 0.
   */
  requireTwoPhase(shard: string): Promise<void> {
    let backend: ShardBackend;
    try {
      backend = this.#shards.backend(shard);
    } catch (error) {
      return Promise.reject(error);
    }
    let check = this.#checked.get(backend);
    if (!check) {
      check = checkTwoPhaseCommit(backend);
      this.#checked.set(backend, check);
      check.catch(() => this.#checked.delete(backend));
    }
    return check;
  }

  /**
   * Commits the transaction whose parts the participants hold, on every shard or on none (see
   * two-phase-commit.ts for the protocol and `hooks`). Resolves once the commit decision is durable
   * and every shard committed, or those that failed were handed to background retries
   * (`pendingShards`).
   *
   * @param gid from `newGid()`
   * @throws TxnError 40000 (or the failing shard's class-40 SQLSTATE) when the transaction was rolled
   *   back, naming the shard and its error; 08007 when the decision could not be written (the
   *   outcome is left to recovery); 22023 for a bad gid or participant list and 55000 after `stop()`,
   *   having aborted every participant.
   */
  async commit(
    gid: string,
    participants: readonly TxnParticipant[],
    hooks?: CommitHooks,
  ): Promise<CommitOutcome> {
    const refusal = refuseCommit(gid, participants, {
      stopped: this.#stop.signal.aborted,
      gidPrefix: this.#gids.prefix,
      active: this.#active,
      shards: this.#shards,
    });
    if (refusal) {
      await Promise.allSettled(
        (Array.isArray(participants) ? participants : []).map(async (p) => p?.abort?.()),
      );
      throw refusal;
    }
    this.#counters.twoPhase += 1;
    this.#active.add(gid);
    try {
      return await new TwoPhaseCommit(
        {
          log: this.#log,
          routerId: this.routerId,
          transactionTimeoutMs: this.transactionTimeoutMs,
          counters: this.#counters,
          logger: this.#logger,
          now: this.#now,
          backend: (shard) => this.#shards.backend(shard),
          retryCommits: (g, shards) => this.#retryCommits(g, shards),
          forgetLater: (g) => this.#forgetLater(g),
        },
        gid,
        participants,
        hooks,
      ).run();
    } finally {
      this.#active.delete(gid);
    }
  }

  /**
   * Resolves every prepared transaction of Switchyard's on every shard from the log (see
   * recovery.ts). Concurrent calls on one coordinator share a run.
   *
   * @throws TxnLogError when the log cannot be read; per-shard failures are in the report.
   */
  recover(): Promise<RecoveryReport> {
    this.#recovering ??= (async () => {
      try {
        const report = await recoverPrepared({
          log: this.#log,
          shards: this.#shards,
          routerId: this.routerId,
          incarnation: this.incarnation,
          transactionTimeoutMs: this.transactionTimeoutMs,
          abortRetentionMs: this.abortRetentionMs,
          soleCoordinator: this.soleCoordinator,
          now: this.#now,
        });
        this.#noteRecovery(report);
        return report;
      } catch (error) {
        this.#counters.recovery.failures += 1;
        throw error;
      } finally {
        this.#recovering = undefined;
      }
    })();
    return this.#recovering;
  }

  /**
   * Runs `recover()` now and then every `intervalMs` after each run ends, until `stop()`. Resolves
   * with the first run's report (await it before serving clients: on embedded shards a prepared
   * transaction blocks its shard until resolved); later runs' failures are logged.
   */
  startRecovery(intervalMs: number): Promise<RecoveryReport> {
    if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
      return Promise.reject(
        invalid(`recovery interval must be a positive number of milliseconds, not ${intervalMs}`),
      );
    }
    if (this.#recoveryStarted)
      return Promise.reject(invalid('recovery was already started on this coordinator'));
    this.#recoveryStarted = true;
    const schedule = () => {
      if (this.#stop.signal.aborted) return;
      this.#recoveryTimer = setTimeout(() => {
        this.recover()
          .catch((error: unknown) => this.#logger.error({ err: error }, 'recovery run failed'))
          .finally(schedule);
      }, intervalMs);
      this.#recoveryTimer.unref();
    };
    const first = this.recover();
    first.then(schedule, schedule);
    return first;
  }

  /** A snapshot of the counters (see TxnMetrics). */
  metrics(): TxnMetrics {
    const inDoubt = new Set([...this.#active, ...this.#retrying.keys(), ...this.#recoveryInDoubt]);
    return { ...this.#counters, recovery: { ...this.#counters.recovery }, inDoubt: inDoubt.size };
  }

  /** Resolves once no background work (commit retries, forgetting decisions) is left. */
  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /**
   * Stops periodic recovery and background retries (their shards are committed by the next recovery
   * run, here or on another router) and waits for work in progress. Refuses new commits. The log and
   * the backends stay open: their owner closes them afterwards.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#recoveryTimer);
    await this.#recovering?.catch(() => {});
    await this.idle();
  }

  #retryCommits(gid: string, shards: readonly string[]): void {
    const pending = new Set(shards);
    this.#retrying.set(gid, pending);
    for (const shard of shards) {
      this.#track(
        retryCommitPrepared({
          gid,
          shard,
          backend: () => this.#shards.backend(shard),
          signal: this.#stop.signal,
          initialDelayMs: this.#retryInitialDelayMs,
          maxDelayMs: this.#retryMaxDelayMs,
          onAttempt: () => {
            this.#counters.commitRetries += 1;
          },
          logger: this.#logger,
        }).then((committed) => {
          if (!committed) return; // stopped: recovery finishes it
          pending.delete(shard);
          if (pending.size === 0) {
            this.#retrying.delete(gid);
            this.#forgetLater(gid);
          }
        }),
      );
    }
  }

  #forgetLater(gid: string): void {
    this.#track(
      this.#log.forget(gid).catch((error: unknown) => {
        // Harmless: recovery forgets it once it sees no shard holds the transaction.
        this.#logger.warn({ err: error, gid }, 'could not forget a finished transaction');
      }),
    );
  }

  #track(work: Promise<unknown>): void {
    this.#background.add(work);
    const done = () => this.#background.delete(work);
    work.then(done, done);
  }

  #noteRecovery(report: RecoveryReport): void {
    const r = this.#counters.recovery;
    r.runs += 1;
    r.committed += report.committed.length;
    r.rolledBack += report.rolledBack.length;
    r.forgotten += report.forgotten.length;
    r.failures += report.failures.length;
    this.#recoveryInDoubt = new Set(report.inDoubt.map((t) => t.gid));
    for (const failure of report.failures) {
      this.#logger.warn(
        { err: failure.error, gid: failure.gid, shard: failure.shard },
        'recovery could not finish a step; the next run tries again',
      );
    }
    if (report.committed.length + report.rolledBack.length > 0) {
      this.#logger.info(
        { committed: report.committed.map((t) => t.gid), rolledBack: report.rolledBack.map((t) => t.gid) },
        'recovery resolved prepared transactions',
      );
    }
  }
}

function checkMs(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw invalid(`${name} must be a whole number of milliseconds (0 or more), not ${value}`);
  }
  return value;
}

function invalid(message: string): TxnError {
  return new TxnError(TxnSqlState.invalidParameterValue, message);
}
