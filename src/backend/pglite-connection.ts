// Statements on a PGlite database through its wire protocol, below `PGlite.query`: that API keeps
// only the name and type of each column, attaches the query's parameters to its errors, and cannot
// stop half-way through a result. Here results keep the full RowDescription and the exact command
// tag, values stay as the server printed them, and a portal is read a batch at a time.
// A PgliteConnection does no locking: PgliteBackend gives it to one caller at a time.
import { type PGlite, protocol } from '@electric-sql/pglite';
import { parseCommandTag } from './command-tag.js';
import type { FieldInfo, QueryResult, Row, RowBatch } from './shard-backend.js';
import { BackendSqlState, ShardError, throwIfAborted, toShardError } from './shard-error.js';

const { serialize } = protocol;

type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

/** How `batches` reads a portal. */
export interface BatchOptions {
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  /** Checked before each batch: an error here stops the stream (e.g. its session was released). */
  readonly ownerError?: () => ShardError | undefined;
}

/** A PGlite database spoken to through the extended and simple query protocols. */
export class PgliteConnection {
  #closed = false;
  /** The operation running now, so `shutdown` can let it finish first. */
  #current: Promise<unknown> = Promise.resolve();

  constructor(
    readonly shard: string,
    readonly db: PGlite,
  ) {}

  /** True once `shutdown` has begun. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The error every call gets after `shutdown`. */
  closedError(): ShardError {
    return new ShardError(
      this.shard,
      BackendSqlState.connectionDoesNotExist,
      'the embedded database is closed; open the shard again to use it',
    );
  }

  /** True inside an explicit transaction block (also when it has failed and awaits ROLLBACK). */
  inTransaction(): boolean {
    return !this.#closed && this.db.isInTransaction();
  }

  /** Runs one statement with text parameters (Parse, Bind, Describe, Execute, Sync in one go). */
  async query(sql: string, params: readonly (string | null)[]): Promise<QueryResult> {
    const messages = await this.#send(
      serialize.parse({ text: sql }),
      serialize.bind({ values: [...params] }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    return collectResults(messages)[0] ?? { command: '', rowCount: null, fields: [], rows: [] };
  }

  /** Runs a string of statements through the simple query protocol; one result per statement. */
  async exec(sql: string): Promise<QueryResult[]> {
    return collectResults(await this.#send(serialize.query(sql)));
  }

  /**
   * Runs `sql` in the unnamed portal and yields its rows `batchSize` at a time (Execute with a row
   * limit), so no more than one batch is held in memory. The first batch always comes, empty when
   * there are no rows, so the caller learns the fields. The portal is closed however the loop ends.
   */
  async *batches(
    sql: string,
    params: readonly (string | null)[],
    options: BatchOptions,
  ): AsyncGenerator<RowBatch> {
    throwIfAborted(this.shard, options.signal);
    let fields: readonly FieldInfo[] = [];
    try {
      const described = await this.#send(
        serialize.parse({ text: sql }),
        serialize.bind({ values: [...params] }),
        serialize.describe({ type: 'P' }),
      );
      const description = described.find((m) => m.name === 'rowDescription');
      fields = description ? fieldsOf(description) : [];
      for (let first = true; ; first = false) {
        const notOwned = options.ownerError?.();
        if (notOwned) throw notOwned;
        throwIfAborted(this.shard, options.signal);
        const messages = await this.#send(serialize.execute({ rows: options.batchSize }));
        const rows: Row[] = [];
        let done = true;
        for (const message of messages) {
          if (message.name === 'dataRow') rows.push(rowOf(message));
          else if (message.name === 'portalSuspended') done = false;
        }
        if (rows.length > 0 || first) yield { fields, rows };
        if (done) return;
      }
    } finally {
      // Close the portal and end the exchange. After an error the server skips everything up to
      // the Sync, the Close included; that is fine. A released session's portal was closed already.
      if (!this.#closed && !options.ownerError?.()) {
        await this.#send(serialize.close({ type: 'P' }), serialize.sync()).catch(() => undefined);
      }
    }
  }

  /** Ends any unfinished extended-protocol exchange (a Sync), ignoring errors. */
  async sync(): Promise<void> {
    await this.#send(serialize.sync()).catch(() => undefined);
  }

  /** Lets the running operation finish, rolls back an open transaction, checkpoints and closes. */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#current;
    try {
      // The portal of an abandoned stream, or a session's transaction, must not survive the close.
      await this.db.execProtocolStream(serialize.sync(), { syncToFs: false, throwOnError: false });
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
      // A checkpoint writes every dirty page now, so the next start has no WAL to replay.
      await this.db.exec('CHECKPOINT');
    } finally {
      await this.db.close();
    }
  }

  #send(...parts: Uint8Array[]): Promise<BackendMessage[]> {
    if (this.#closed) return Promise.reject(this.closedError());
    const run = this.db
      .execProtocolStream(concat(parts), { syncToFs: false })
      .catch((error: unknown) => Promise.reject(toShardError(this.shard, error)));
    this.#current = run.catch(() => undefined);
    return run;
  }
}

/** Groups protocol messages into one result per CommandComplete. */
function collectResults(messages: readonly BackendMessage[]): QueryResult[] {
  const results: QueryResult[] = [];
  let fields: readonly FieldInfo[] = [];
  let rows: Row[] = [];
  for (const message of messages) {
    if (message.name === 'rowDescription') {
      fields = fieldsOf(message);
    } else if (message.name === 'dataRow') {
      rows.push(rowOf(message));
    } else if (message.name === 'commandComplete') {
      const tag = parseCommandTag((message as unknown as { text: string }).text);
      results.push({ command: tag.command, rowCount: tag.rowCount, fields, rows });
      fields = [];
      rows = [];
    }
  }
  return results;
}

function rowOf(message: BackendMessage): Row {
  return (message as unknown as { fields: Row }).fields;
}

function fieldsOf(message: BackendMessage): readonly FieldInfo[] {
  return (message as unknown as { fields: readonly FieldInfo[] }).fields.map((field) => ({
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
  }));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
