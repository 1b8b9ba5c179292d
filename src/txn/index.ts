// Transactions that span shards: two-phase commit, the coordinator log, recovery. The wire session
// makes one Coordinator per router, calls `commit` with a TxnParticipant per shard the transaction
// wrote to, and `noteOnePhase` for transactions that stayed on one shard.
export { Coordinator, type CoordinatorOptions } from './coordinator.js';
export { defaultTxnLogFileName, FileTxnLog, type FileTxnLogOptions } from './file-txn-log.js';
export { branchGid, GID_PREFIX, type GidParts, parseGid, transactionOf } from './gid.js';
export { MemoryTxnLog, type MemoryTxnLogOptions } from './memory-txn-log.js';
export { PostgresTxnLog, type PostgresTxnLogOptions } from './postgres-txn-log.js';
export type {
  RecoveredTransaction,
  RecoveryFailure,
  RecoveryReport,
  ShardDirectory,
} from './recovery.js';
export { checkTwoPhaseCommit } from './two-phase-check.js';
export type { CommitHooks, CommitOutcome, CommitStep } from './two-phase-commit.js';
export { TxnError, TxnLogError, TxnSqlState } from './txn-errors.js';
export type { Decision, DecisionRecord, TxnLog } from './txn-log.js';
export type { RecoveryMetrics, TxnMetrics } from './txn-metrics.js';
export { SessionParticipant, type TxnParticipant } from './txn-participant.js';
