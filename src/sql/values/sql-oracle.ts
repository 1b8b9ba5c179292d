// Test support: one PostgreSQL (PGlite, or a real server through node-postgres) answering queries
// with every value in the server's own text output format, the form Switchyard receives from shards.
// Used by the differential suites of src/sql/values and src/sql/expr; not imported by product code.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';

/** A query result: the column type OIDs and every value as the server's text (null for NULL). */
export interface OracleResult {
  readonly types: number[];
  readonly rows: (string | null)[][];
}

/** A database that answers with raw text values. */
export interface SqlOracle {
  readonly label: string;
  query(sql: string): Promise<OracleResult>;
  close(): Promise<void>;
}

// PGlite merges these over its own parsers, so every built-in OID needs an identity entry.
const rawText: Record<number, (value: string) => string> = {};
for (let oid = 1; oid < 20_000; oid++) rawText[oid] = (value) => value;

/** Wraps a PGlite instance (PostgreSQL 18 in WASM). */
export function pgliteOracle(db: PGlite): SqlOracle {
  return {
    label: 'PGlite',
    async query(sql) {
      const result = await db.query<unknown[]>(sql, [], { rowMode: 'array', parsers: rawText });
      return {
        types: result.fields.map((f) => f.dataTypeID),
        rows: result.rows.map((r) => r.map((v) => (v === null ? null : String(v)))),
      };
    },
    close: () => db.close(),
  };
}

/** Wraps a node-postgres client connected to a real server. */
export function pgClientOracle(client: pg.Client): SqlOracle {
  return {
    label: 'PostgreSQL',
    async query(sql) {
      const result = await client.query({
        text: sql,
        rowMode: 'array',
        types: { getTypeParser: () => (value: string) => value },
      });
      return {
        types: result.fields.map((f) => f.dataTypeID),
        rows: (result.rows as unknown[][]).map((r) => r.map((v) => (v === null ? null : String(v)))),
      };
    },
    close: () => client.end(),
  };
}

/** The SQLSTATE of an error thrown by either oracle, or undefined. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
