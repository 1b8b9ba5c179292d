// Errors from one shard. A server's error keeps its SQLSTATE and every field the server sent, so the
// router and the wire layer can relay it to a client unchanged; the message names the shard so a
// user knows which shard failed. Query parameters never appear in a message.
import { SqlState, SwitchyardError } from '../util/errors.js';

/** The fields of a PostgreSQL ErrorResponse besides the message and the SQLSTATE. */
export interface ServerErrorFields {
  readonly severity?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
  readonly internalPosition?: string;
  readonly internalQuery?: string;
  readonly where?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly dataType?: string;
  readonly constraint?: string;
  readonly file?: string;
  readonly line?: string;
  readonly routine?: string;
}

const serverFieldNames = [
  'severity',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const satisfies readonly (keyof ServerErrorFields)[];

/** SQLSTATEs the backends raise themselves, beyond the shared `SqlState` table. */
export const BackendSqlState = {
  ...SqlState,
  /** Waiting for an embedded shard, or for its prepared transactions, took too long. */
  lockNotAvailable: '55P03',
  /** The backend or the session was closed or released. */
  connectionDoesNotExist: '08003',
  /** PREPARE TRANSACTION without an open transaction. */
  noActiveSqlTransaction: '25P01',
  /** A backend call that left a transaction open (it is rolled back). */
  invalidTransactionState: '25000',
  /** PREPARE TRANSACTION of a transaction that had already failed: it was rolled back. */
  transactionRollback: '40000',
} as const;

/** What ShardError's constructor takes besides the shard, code and message. */
export interface ShardErrorOptions {
  readonly cause?: unknown;
  /** The server's own message, without the shard prefix (defaults to `message`). */
  readonly serverMessage?: string;
  readonly fields?: ServerErrorFields;
}

/**
 * An error from one shard: `code` is the server's SQLSTATE (or one the backend chose, e.g. 08001
 * when the shard cannot be reached), `shard` names the shard, and the server's fields are kept whole.
 *
 * @example
 *   try { await backend.query('insert …', [id]); }
 *   catch (e) { if (e instanceof ShardError && e.code === '23505') … e.constraint … }
 */
export class ShardError extends SwitchyardError implements ServerErrorFields {
  override name = 'ShardError';
  readonly shard: string;
  /** The server's message without the `shard "name": ` prefix. */
  readonly serverMessage: string;
  declare readonly severity?: string;
  declare readonly detail?: string;
  declare readonly hint?: string;
  declare readonly position?: string;
  declare readonly internalPosition?: string;
  declare readonly internalQuery?: string;
  declare readonly where?: string;
  declare readonly schema?: string;
  declare readonly table?: string;
  declare readonly column?: string;
  declare readonly dataType?: string;
  declare readonly constraint?: string;
  declare readonly file?: string;
  declare readonly line?: string;
  declare readonly routine?: string;

  constructor(shard: string, code: string, message: string, options: ShardErrorOptions = {}) {
    super(code, `shard "${shard}": ${message}`, { cause: options.cause });
    this.shard = shard;
    this.serverMessage = options.serverMessage ?? message;
    const fields = options.fields ?? {};
    for (const name of serverFieldNames) {
      const value = fields[name];
      // Assigned only when present, so a logged error does not list a dozen undefined fields.
      if (value !== undefined) (this as { -readonly [K in keyof ServerErrorFields]: string })[name] = value;
    }
  }
}

/** The shape shared by PGlite's and node-postgres' DatabaseError: an ErrorResponse from the server. */
interface ServerErrorLike extends ServerErrorFields {
  readonly message: string;
  readonly code: string;
}

/** True for an error that carries an ErrorResponse from a PostgreSQL server (PGlite or real). */
export function isServerError(error: unknown): error is ServerErrorLike {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * Wraps an error raised while talking to `shard` as a ShardError. A server error keeps its SQLSTATE
 * and fields; anything else becomes `fallbackCode` (default XX000) with its message. A ShardError is
 * returned as is. The result never includes query parameters: neither node-postgres nor PGlite's
 * protocol layer (which the PGlite backend uses instead of `PGlite.query`) puts them in errors.
 */
export function toShardError(
  shard: string,
  error: unknown,
  fallbackCode: string = SqlState.internalError,
): ShardError {
  if (error instanceof ShardError) return error;
  if (isServerError(error)) {
    const fields: Record<string, string> = {};
    for (const name of serverFieldNames) {
      const value = error[name];
      if (typeof value === 'string') fields[name] = value;
    }
    return new ShardError(shard, error.code, error.message, {
      serverMessage: error.message,
      fields,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ShardError(shard, fallbackCode, message, { cause: error });
}

/** The error for a statement cancelled by its AbortSignal, worded as PostgreSQL words it. */
export function canceledError(shard: string, detail?: string): ShardError {
  return new ShardError(shard, SqlState.queryCanceled, 'canceling statement due to user request', {
    ...(detail ? { fields: { detail } } : {}),
  });
}

/** Rejects with `canceledError` when `signal` is already aborted. */
export function throwIfAborted(shard: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw canceledError(shard);
}

/**
 * The error for a statement run on a backend (not in a session) that left a transaction open, e.g.
 * `exec('BEGIN; …')`: the transaction is rolled back, since the connection goes to the next caller.
 */
export function leftOpenTransactionError(shard: string): ShardError {
  return new ShardError(
    shard,
    BackendSqlState.invalidTransactionState,
    'the statement left a transaction open, so it was rolled back; use session() to hold a transaction across calls',
  );
}
