// Running statements on one node-postgres client so that results are exactly what the server
// printed: rows as arrays, every type parser replaced by the identity (no Date, number or JSON
// conversion), the full command tag kept (pg's Result keeps only its first word: "CREATE", not
// "CREATE TABLE"), and large results read through a cursor a batch at a time.
import pg from 'pg';
import Cursor from 'pg-cursor';
import { loggerFor } from '../util/logger.js';
import { parseCommandTag } from './command-tag.js';
import { sendCancelRequest } from './postgres-cancel.js';
import type { FieldInfo, QueryResult, Row, RowBatch } from './shard-backend.js';
import type { ShardError } from './shard-error.js';
import { throwIfAborted } from './shard-error.js';

/** Type parsers that keep every value as the text the server sent. */
const textTypes = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

type CommandCompleteHandler = (message: { text: string }, connection: unknown) => void;
const baseCommandComplete = (
  pg.Query.prototype as unknown as { handleCommandComplete: CommandCompleteHandler }
).handleCommandComplete;

/** A pg.Query that also records each CommandComplete tag in full. */
class TaggedQuery extends pg.Query {
  readonly tags: string[] = [];

  // Called by pg's Client for every CommandComplete of this query (not declared in @types/pg).
  handleCommandComplete(message: { text: string }, connection: unknown): void {
    this.tags.push(message.text);
    baseCommandComplete.call(this, message, connection);
  }
}

type PgResult = pg.QueryResult<Row>;

function submit(
  client: pg.ClientBase,
  text: string,
  values: (string | null)[] | undefined,
): Promise<QueryResult[]> {
  return new Promise((resolve, reject) => {
    const config = {
      text,
      values,
      rowMode: 'array',
      types: textTypes,
      // Statements with parameters, even none, use the extended protocol (one statement only).
      queryMode: values ? 'extended' : undefined,
      callback: (error: Error | null, results: PgResult | PgResult[]) => {
        if (error) return reject(error);
        const list = Array.isArray(results) ? results : [results];
        resolve(query.tags.map((tag, i) => toQueryResult(tag, list[i])));
      },
    };
    const query = new TaggedQuery(config as unknown as pg.QueryConfig);
    client.query(query);
  });
}

function toQueryResult(tag: string, result: PgResult | undefined): QueryResult {
  const { command, rowCount } = parseCommandTag(tag);
  return { command, rowCount, fields: (result?.fields ?? []).map(toFieldInfo), rows: result?.rows ?? [] };
}

function toFieldInfo(field: pg.FieldDef): FieldInfo {
  return {
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
  };
}

/** Runs one statement with text parameters through the extended protocol. */
export async function queryOnClient(
  client: pg.ClientBase,
  sql: string,
  params: (string | null)[],
): Promise<QueryResult> {
  const [result] = await submit(client, sql, params);
  return result ?? { command: '', rowCount: null, fields: [], rows: [] };
}

/** Runs a string of statements through the simple protocol; one result per statement. */
export function execOnClient(client: pg.ClientBase, sql: string): Promise<QueryResult[]> {
  return submit(client, sql, undefined);
}

/** How `batchesOnClient` reads. */
export interface ClientBatchOptions {
  readonly batchSize: number;
  readonly signal?: AbortSignal;
  /** Checked before each batch: an error here stops the stream (e.g. its session was released). */
  readonly ownerError?: () => ShardError | undefined;
}

/**
 * Yields the rows of `sql` a batch at a time through a cursor (a portal executed with a row limit).
 * The first batch always comes, empty when there are no rows, so the caller learns the fields.
 */
export async function* batchesOnClient(
  shard: string,
  client: pg.ClientBase,
  sql: string,
  params: (string | null)[],
  options: ClientBatchOptions,
): AsyncGenerator<RowBatch> {
  throwIfAborted(shard, options.signal);
  const cursor = client.query(new Cursor<Row>(sql, params, { rowMode: 'array', types: textTypes }));
  // After a failed read pg-cursor has already sent the Sync; closing again would wait for a
  // ReadyForQuery that may never come. In every other case the cursor must be closed, or the
  // client stays busy with it and every later statement on it waits forever.
  let readFailed = false;
  try {
    let fields: readonly FieldInfo[] | undefined;
    for (let first = true; ; first = false) {
      const notOwned = options.ownerError?.();
      if (notOwned) throw notOwned;
      throwIfAborted(shard, options.signal);
      const { rows, result } = await withCancel(client, options.signal, () =>
        read(cursor, options.batchSize),
      ).catch((error: unknown) => {
        readFailed = true;
        throw error;
      });
      fields ??= (result?.fields ?? []).map(toFieldInfo);
      if (rows.length > 0 || first) yield { fields, rows };
      if (rows.length < options.batchSize) return;
    }
  } finally {
    if (!readFailed) await cursor.close();
  }
}

function read(
  cursor: Cursor<Row>,
  rows: number,
): Promise<{ rows: Row[]; result: pg.QueryResult | undefined }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (error, batch, result) => (error ? reject(error) : resolve({ rows: batch, result })));
  });
}

/** The parts of a pg Client that a cancel request needs (not declared in @types/pg). */
interface ClientKeys {
  readonly host: string;
  readonly port: number;
  readonly processID: number | null;
  readonly secretKey: number | null;
}

/**
 * Runs `fn`; if `signal` aborts meanwhile, sends the server a cancel request for the client's
 * running statement, which then fails with SQLSTATE 57014.
 */
export async function withCancel<T>(
  client: pg.ClientBase,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  if (!signal) return fn();
  const keys = client as unknown as ClientKeys;
  const onAbort = () => {
    if (keys.processID === null || keys.secretKey === null) return;
    sendCancelRequest({
      host: keys.host,
      port: keys.port,
      processID: keys.processID,
      secretKey: keys.secretKey,
    }).catch((error: unknown) =>
      loggerFor('backend').warn({ err: error }, 'sending a cancel request failed'),
    );
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await fn();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
