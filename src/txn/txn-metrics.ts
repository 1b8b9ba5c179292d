// Counters of transactions, for the control plane's metrics. Plain numbers, read with
// `Coordinator.metrics()`; counters only grow, `inDoubt` is a gauge.

/** What the coordinator has done since it was made. */
export interface TxnMetrics {
  /** Transactions that wrote to one shard and committed there directly (`noteOnePhase`). */
  readonly onePhase: number;
  /** Transactions that went through two-phase commit (`commit` calls). */
  readonly twoPhase: number;
  /** Two-phase transactions that committed. */
  readonly committed: number;
  /** Two-phase transactions that were rolled back (a shard failed to prepare, or recovery aborted them first). */
  readonly rolledBack: number;
  /** Two-phase transactions whose decision could not be written (the client got 08007). */
  readonly outcomeUnknown: number;
  /** COMMIT PREPARED attempts repeated after a shard failed one, following the commit decision. */
  readonly commitRetries: number;
  /**
   * Gauge: transactions prepared on some shard whose outcome is not yet applied everywhere, as this
   * coordinator knows them: its own in progress or awaiting a COMMIT PREPARED retry, plus those the
   * last recovery run had to leave (undecided and younger than the transaction timeout).
   */
  readonly inDoubt: number;
  readonly recovery: RecoveryMetrics;
}

/** What recovery runs have done. */
export interface RecoveryMetrics {
  readonly runs: number;
  /** Prepared transactions committed by recovery (one per gid, however many shards). */
  readonly committed: number;
  /** Prepared transactions rolled back by recovery. */
  readonly rolledBack: number;
  /** Decisions dropped from the log once no shard held their transaction. */
  readonly forgotten: number;
  /** Shard or log operations that failed during recovery (retried by the next run). */
  readonly failures: number;
}

/** The mutable counters behind a TxnMetrics snapshot. */
export interface TxnCounters {
  onePhase: number;
  twoPhase: number;
  committed: number;
  rolledBack: number;
  outcomeUnknown: number;
  commitRetries: number;
  recovery: { runs: number; committed: number; rolledBack: number; forgotten: number; failures: number };
}

/** Fresh counters, all zero. */
export function newTxnCounters(): TxnCounters {
  return {
    onePhase: 0,
    twoPhase: 0,
    committed: 0,
    rolledBack: 0,
    outcomeUnknown: 0,
    commitRetries: 0,
    recovery: { runs: 0, committed: 0, rolledBack: 0, forgotten: 0, failures: 0 },
  };
}
