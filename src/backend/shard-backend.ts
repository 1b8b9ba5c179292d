// Talking to one shard. Everything above this folder sees shards only through these interfaces,
// so planning and merging run in tests without a database.

/** A column of a result, as the server describes it in RowDescription. */
export interface FieldInfo {
  readonly name: string;
  /** Type OID (`pg_type.oid`). */
  readonly dataTypeID: number;
  readonly tableID: number;
  readonly columnID: number;
  readonly dataTypeSize: number;
  readonly dataTypeModifier: number;
}

/** One row in PostgreSQL's text format: each value as the server printed it, or null. */
export type Row = (string | null)[];

/** A parameter value. Strings are sent in text format and typed by the server. */
export type Param = string | number | bigint | boolean | null | Uint8Array;

/** The result of one statement. */
export interface QueryResult {
  /** The command tag's verb: SELECT, INSERT, UPDATE, CREATE TABLE, … */
  readonly command: string;
  /** Rows affected or returned, when the command tag carries a count. */
  readonly rowCount: number | null;
  readonly fields: readonly FieldInfo[];
  readonly rows: readonly Row[];
}

/** A batch of rows from `stream`; `fields` is the same object in every batch of one statement. */
export interface RowBatch {
  readonly fields: readonly FieldInfo[];
  readonly rows: readonly Row[];
}

/** Options of one call. */
export interface QueryOptions {
  /** Aborting cancels the statement on the shard. */
  readonly signal?: AbortSignal;
}

/** Options of one `stream` call. */
export interface StreamOptions extends QueryOptions {
  /** Rows per batch (default 1000). Memory held is bounded by about one batch. */
  readonly batchSize?: number;
}

/** What can run statements: a backend (any free connection) or a session (one held connection). */
export interface ShardQueryable {
  /** Runs one statement with parameters (extended protocol). */
  query(sql: string, params?: readonly Param[], options?: QueryOptions): Promise<QueryResult>;
  /** Runs a string of one or more statements without parameters (simple protocol); one result each. */
  exec(sql: string, options?: QueryOptions): Promise<QueryResult[]>;
  /**
   * Runs one statement and yields its rows in batches instead of holding them all. The first batch
   * always comes, empty when there are no rows, so `fields` is known. Finish the loop or leave it
   * with `break`/`return`/`throw`: an iterator abandoned half-way keeps its connection busy (on an
   * embedded shard, the whole shard) until its session is released.
   */
  stream(sql: string, params?: readonly Param[], options?: StreamOptions): AsyncIterable<RowBatch>;
}

/** One connection held across calls, so a transaction can span them. */
export interface ShardSession extends ShardQueryable {
  /**
   * Ends the current transaction with `PREPARE TRANSACTION gid`; the transaction then survives
   * crashes until `commitPrepared` or `rollbackPrepared` on the backend.
   */
  prepareTransaction(gid: string): Promise<void>;
  /** Gives the connection back. An open transaction is rolled back first. Safe to call twice. */
  release(): Promise<void>;
}

/** A transaction prepared on a shard and not yet committed or rolled back. */
export interface PreparedTransaction {
  readonly gid: string;
  readonly preparedAt: Date;
  readonly database: string;
}

/**
 * One shard: run statements, hold sessions, finish prepared transactions. `query`, `exec` and
 * `stream` on the backend itself run in autocommit: a call that leaves a transaction open (say
 * `exec('BEGIN; …')`) is rolled back and fails with SQLSTATE 25000; use a session instead.
 * Failures are `ShardError`s (see shard-error.ts).
 */
export interface ShardBackend extends ShardQueryable {
  /** The shard's name in the catalog. */
  readonly shard: string;
  /**
   * Takes a connection for the caller's exclusive use until `release()`. On an embedded shard this
   * is the shard's only connection: other callers wait (up to the backend's lock timeout) meanwhile.
   */
  session(): Promise<ShardSession>;
  commitPrepared(gid: string): Promise<void>;
  rollbackPrepared(gid: string): Promise<void>;
  /** Prepared transactions on this shard whose gid starts with `prefix` (all when omitted). */
  listPrepared(prefix?: string): Promise<PreparedTransaction[]>;
  /** Closes every connection; pending work fails with a clear error. */
  close(): Promise<void>;
}
