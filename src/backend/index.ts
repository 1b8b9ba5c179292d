// The backend folder's public surface, for the cluster and everything above it: the ShardBackend
// contract, the raw ShardConnection contract the wire front end forwards through, the two
// implementations, how to open them, and the error type they raise.
export { type CreateShardBackendOptions, createShardBackend } from './create-shard-backend.js';
export { PgliteBackend, type PgliteBackendOptions } from './pglite-backend.js';
export { defaultTemplateCacheDir, ensurePgliteTemplate, isPgliteDataDir } from './pglite-template.js';
export { type PoolStats, PostgresBackend, type PostgresBackendOptions } from './postgres-backend.js';
export type { ConnectionStats } from './postgres-link-pool.js';
export { isValidGid } from './prepared-transactions.js';
export type {
  FieldInfo,
  Param,
  PreparedTransaction,
  QueryOptions,
  QueryResult,
  Row,
  RowBatch,
  ShardBackend,
  ShardQueryable,
  ShardSession,
  StreamOptions,
} from './shard-backend.js';
export type {
  ReleaseOptions,
  ShardConnection,
  ShardConnectOptions,
  ShardConnector,
  TransactionStatus,
} from './shard-connection.js';
export {
  BackendSqlState,
  isServerError,
  type ServerErrorFields,
  ShardError,
  toShardError,
} from './shard-error.js';
export { startPgliteShards } from './start-pglite-shards.js';
