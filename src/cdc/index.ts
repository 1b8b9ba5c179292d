// Change capture's public surface: events, positions, the ChangeSource interface and its two
// implementations, cluster-wide capture, and the consumer helpers.
export { CdcError, CdcErrorCode } from './cdc-error.js';
export { type CaptureShard, ChangeCapture, type ChangeCaptureOptions } from './change-capture.js';
export { ChangeDeduplicator } from './change-deduplicator.js';
export {
  type ChangeColumn,
  type ChangeEvent,
  type ChangeOperation,
  type ChangeRow,
  type ChangeTransaction,
  qualifiedTable,
} from './change-event.js';
export {
  type ChangePosition,
  changePosition,
  comparePositions,
  laterPosition,
  parseChangePosition,
  positionCommit,
  positionIndex,
} from './change-position.js';
export type { ChangeLag, ChangeReadOptions, ChangeSource } from './change-source.js';
export { type ConsumeChangesOptions, consumeChanges } from './consume-changes.js';
export {
  globalTransactionPrefix,
  tagGlobalTransaction,
  tagGlobalTransactionSql,
} from './global-transaction.js';
export { defaultLagThresholds, LagMonitor, type LagReport, type LagThresholds } from './lag-monitor.js';
export { type MemoryChange, MemoryChangeSource } from './memory-change-source.js';
export { dropPgliteConsumer, installPgliteCapture } from './pglite/install-pglite-capture.js';
export { PgliteChangeSource, type PgliteChangeSourceOptions } from './pglite/pglite-change-source.js';
export { slotName } from './postgres/capture-names.js';
export {
  dropSlot,
  installPostgresCapture,
  postgresCaptureSetupSql,
} from './postgres/install-postgres-capture.js';
export { PostgresChangeSource, type PostgresChangeSourceOptions } from './postgres/postgres-change-source.js';
