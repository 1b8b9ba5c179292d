// The one SQL parser: PostgreSQL's own grammar (libpg-query, compiled to WASM). Parsing splits a
// query string into its statements, each with its own text, so a multi-statement simple query can be
// planned statement by statement.
import { loadModule, type Node, parseSync } from 'libpg-query';
import { SwitchyardError } from '../util/errors.js';
import { SqlSyntaxError } from './sql-syntax-error.js';

/** One statement of a query string. */
export interface ParsedStatement {
  /** The statement's own text, without the `;` that ends it and without surrounding blanks. */
  readonly sql: string;
  /** Where the statement starts in the query string, in UTF-16 code units (a JS string index). */
  readonly offset: number;
  /** The raw parse tree (`{ SelectStmt: … }`, `{ InsertStmt: … }`, …). */
  readonly ast: Node;
}

let loading: Promise<void> | undefined;
let loaded = false;

/**
 * Loads the WASM parser. Call (and await) it once at start-up, before the first `parseSql`; later
 * calls return the same promise.
 */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

/**
 * Parses `sql` into its statements (none for an empty string or only comments and semicolons).
 *
 * @example
 *   await loadSqlParser();
 *   parseSql('BEGIN; SELECT 1').map((s) => s.sql); // ['BEGIN', 'SELECT 1']
 * @throws SqlSyntaxError (42601) with PostgreSQL's message and 1-based position.
 */
export function parseSql(sql: string): ParsedStatement[] {
  if (!loaded) {
    throw new SwitchyardError('XX000', 'the SQL parser is not loaded; await loadSqlParser() at start-up');
  }
  // The WASM parser rejects an empty string; PostgreSQL answers it with EmptyQueryResponse.
  if (sql.length === 0) return [];
  let result: ReturnType<typeof parseSync>;
  try {
    result = parseSync(sql);
  } catch (error) {
    throw toSyntaxError(error);
  }
  const raws = result.stmts ?? [];
  if (raws.length === 0) return [];
  // Statement locations are byte offsets into the UTF-8 text; plain ASCII needs no conversion.
  const bytes = isAscii(sql) ? undefined : Buffer.from(sql, 'utf8');
  return raws.map((raw) => {
    const start = raw.stmt_location ?? 0;
    const byteLength = bytes ? bytes.length : sql.length;
    // The last statement has no stmt_len (0): it runs to the end of the string.
    const end = raw.stmt_len ? start + raw.stmt_len : byteLength;
    const text = bytes ? bytes.subarray(start, end).toString('utf8') : sql.slice(start, end);
    const offset = bytes ? bytes.subarray(0, start).toString('utf8').length : start;
    const trimmed = text.trimStart();
    return {
      sql: trimmed.trimEnd(),
      offset: offset + text.length - trimmed.length,
      ast: raw.stmt as Node,
    };
  });
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function toSyntaxError(error: unknown): SwitchyardError {
  if (error instanceof Error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const cursor = details?.cursorPosition;
    // libpg-query reports a 0-based character position; the protocol wants it 1-based.
    const position = typeof cursor === 'number' && cursor >= 0 ? cursor + 1 : undefined;
    return new SqlSyntaxError(details?.message ?? error.message, position, { cause: error });
  }
  return new SqlSyntaxError('syntax error', undefined, { cause: error });
}
