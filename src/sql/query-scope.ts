// The shape of a query as the router reasons about it: one scope per SELECT, INSERT, UPDATE or DELETE
// (subqueries, CTEs and set-operation branches each get their own), the tables each scope reads, and
// the conditions that filter them. Built by analyzeQuery; plain data, no catalog knowledge.
import type { Node } from 'libpg-query';

/** What a statement does to a table it names. */
export type TableRole = 'read' | 'insert' | 'update' | 'delete' | 'merge';

/** A table (or view, or catalog relation) named in a FROM list or as a statement's target. */
export interface TableEntry {
  readonly schema: string | undefined;
  readonly name: string;
  /** The alias given (`FROM users u`), if any. */
  readonly alias: string | undefined;
  /** The name columns are qualified with: the alias, else the table name. */
  readonly refName: string;
  /** True when the alias renames columns (`FROM users AS u(a, b)`): column names no longer match. */
  readonly renamesColumns: boolean;
  readonly role: TableRole;
  /** Byte offset of the name in the statement text. */
  readonly location: number;
  readonly scope: QueryScope;
}

/**
 * A condition that filters rows. `filtered` says whose rows it filters: `scope` for WHERE (every
 * table of the scope), else the tables below an inner join, or the nullable side of an outer join
 * (an outer join's ON never removes a row of its preserved side).
 */
export interface ScopeCondition {
  readonly expr: Node;
  readonly filtered: 'scope' | readonly TableEntry[];
}

/** `JOIN … USING (columns)`: the named columns of the two sides are equal. */
export interface UsingCondition {
  readonly columns: readonly string[];
  readonly left: readonly TableEntry[];
  readonly right: readonly TableEntry[];
  readonly filtered: readonly TableEntry[];
}

/** The rows of an INSERT: its column list and, for INSERT … VALUES, each row's expressions. */
export interface InsertShape {
  /** Columns named after the table, undefined when the statement names none (table order). */
  readonly columns: readonly string[] | undefined;
  /** VALUES rows; undefined for INSERT … SELECT and DEFAULT VALUES. */
  readonly rows: readonly (readonly Node[])[] | undefined;
  /** True for INSERT … SELECT (or a VALUES list with ORDER BY, LIMIT or the like). */
  readonly fromQuery: boolean;
  /** Columns an ON CONFLICT DO UPDATE sets. */
  readonly conflictSets: readonly string[];
}

/** One query level. */
export interface QueryScope {
  readonly parent: QueryScope | undefined;
  readonly kind: 'select' | 'insert' | 'update' | 'delete' | 'merge';
  /** Tables of this level, in the order written (a DML target first). */
  readonly entries: TableEntry[];
  /**
   * Every name a column can be qualified with at this level: tables, and `other` for subqueries,
   * CTE references, functions and join aliases, which hide an outer table of the same name.
   */
  readonly names: Map<string, TableEntry | 'other'>;
  readonly conditions: ScopeCondition[];
  readonly usings: UsingCondition[];
  /** The target of an INSERT, UPDATE, DELETE or MERGE. */
  target: TableEntry | undefined;
  /** Columns an UPDATE sets. */
  setColumns: readonly string[];
  insert: InsertShape | undefined;
}

/** Everything analyzeQuery learned about one statement. */
export interface QueryAnalysis {
  readonly root: QueryScope;
  /** Every scope, root first. */
  readonly scopes: readonly QueryScope[];
  /** Every table named anywhere (CTE references excluded), in the order met. */
  readonly tables: readonly TableEntry[];
  /** Every function called, as its (possibly qualified) name parts. */
  readonly functions: readonly (readonly string[])[];
  /** True when it may write: INSERT, UPDATE, DELETE, MERGE at any level, or SELECT INTO. */
  readonly writes: boolean;
  /** Constructs the planner refuses wherever they appear, by description (`MERGE`, `WHERE CURRENT OF`, …). */
  readonly unsupported: readonly string[];
  /** The table a top-level `SELECT … INTO` creates. */
  readonly into: { readonly schema: string | undefined; readonly name: string } | undefined;
}
