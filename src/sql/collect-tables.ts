// The tables a statement names, for callers that want names and not the scope tree: logging,
// EXPLAIN, the plan's `tables` list.
import type { Node } from 'libpg-query';
import { analyzeQuery } from './analyze-query.js';

/** A table named in a statement, with the alias it was given. */
export interface TableReference {
  readonly schema: string | undefined;
  readonly name: string;
  readonly alias: string | undefined;
  /** Byte offset of the name in the statement text. */
  readonly location: number;
}

/**
 * Every table a SELECT, INSERT, UPDATE, DELETE or MERGE names, in subqueries, CTEs and joins alike;
 * references to CTEs are left out (they are not tables).
 *
 * @example
 *   collectTables(ast of 'WITH x AS (SELECT * FROM a) SELECT * FROM x JOIN b bb ON true');
 *   // [{ name: 'a', … }, { name: 'b', alias: 'bb', … }]
 */
export function collectTables(ast: Node): TableReference[] {
  return analyzeQuery(ast).tables.map((t) => ({
    schema: t.schema,
    name: t.name,
    alias: t.alias,
    location: t.location,
  }));
}

/** `schema.name` when a schema was written, else `name`: how the plan lists a table. */
export function writtenName(table: { readonly schema: string | undefined; readonly name: string }): string {
  return table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}
