// How node-postgres failures become ShardErrors. A server's ErrorResponse keeps its SQLSTATE and
// fields; a failure to reach the server or a lost connection becomes 08001 / 08006 with a message
// that names the shard and its address (never a password) and says what to check.
import { BackendSqlState, isServerError, ShardError, toShardError } from './shard-error.js';

/** SQLSTATEs after which the server closes the connection. */
const fatalServerCodes = new Set(['57P01', '57P02', '57P03']);

/** True when the client that raised `error` can no longer be used and must be destroyed. */
export function isConnectionBroken(error: unknown): boolean {
  if (error instanceof ShardError) return error.code.startsWith('08') || fatalServerCodes.has(error.code);
  if (!isServerError(error)) return true;
  return error.code.startsWith('08') || fatalServerCodes.has(error.code);
}

/** What a connect failure message needs to know about the pool. */
export interface ConnectContext {
  readonly shard: string;
  readonly address: string;
  readonly connectTimeoutMs: number;
  /** True when every connection of the pool was in use at the time. */
  readonly poolExhausted: boolean;
  readonly poolSize: number;
}

/** The error for failing to get a connection from the pool. */
export function connectError(context: ConnectContext, error: unknown): ShardError {
  if (isServerError(error)) return toShardError(context.shard, error);
  const reason = error instanceof Error ? error.message : String(error);
  const where = `PostgreSQL at ${context.address}`;
  if (/timeout/i.test(reason)) {
    const why = context.poolExhausted
      ? `all ${context.poolSize} connections of the shard's pool stayed in use; release sessions sooner or raise the pool size`
      : 'the server did not answer; check that it is running and reachable from here';
    return new ShardError(
      context.shard,
      BackendSqlState.sqlclientUnableToEstablishSqlconnection,
      `could not get a connection to ${where} within ${context.connectTimeoutMs} ms: ${why}`,
      { cause: error },
    );
  }
  return new ShardError(
    context.shard,
    BackendSqlState.sqlclientUnableToEstablishSqlconnection,
    `could not connect to ${where} (${reason}); check that the server is running, that it accepts connections at that address, and that the catalog gives the shard's right address`,
    { cause: error },
  );
}

/** The error for a statement that failed; a lost connection becomes 08006. */
export function statementError(shard: string, address: string, error: unknown): ShardError {
  if (error instanceof ShardError || isServerError(error)) return toShardError(shard, error);
  const reason = error instanceof Error ? error.message : String(error);
  return new ShardError(
    shard,
    BackendSqlState.connectionFailure,
    `lost the connection to PostgreSQL at ${address} (${reason}); an open transaction on it is rolled back, and a statement that was running may or may not have completed. Check that the server is up`,
    { cause: error },
  );
}
