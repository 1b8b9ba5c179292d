// What the session needs to run a COPY: the data format as the statement sets it, and for
// COPY … FROM STDIN into a sharded table, where each row's shard key sits so each row can be sent
// to its own shard.

/** The data format of a COPY, with PostgreSQL's defaults filled in. */
export interface CopyFormat {
  readonly format: 'text' | 'csv' | 'binary';
  /** One character; tab for text, comma for CSV. */
  readonly delimiter: string;
  /** The string that stands for NULL: `\N` for text, the empty string for CSV. */
  readonly null: string;
  /** Whether the first line is a header (`match`: the server checks the names). */
  readonly header: boolean | 'match';
  /** CSV quote and escape characters (escape defaults to quote). */
  readonly quote: string;
  readonly escape: string;
  /** CSV FORCE_NULL / FORCE_NOT_NULL columns, or '*' for all. */
  readonly forceNull: readonly string[] | '*';
  readonly forceNotNull: readonly string[] | '*';
  /** The DEFAULT marker string, when the statement sets one. */
  readonly default: string | undefined;
}

/** The COPY part of a plan. */
export interface CopyPlan {
  readonly direction: 'in' | 'out';
  readonly format: CopyFormat;
  /** The columns the statement lists, or undefined for all columns in table order. */
  readonly columns: readonly string[] | undefined;
  /** For COPY FROM STDIN into a sharded table: its catalog name and shard key columns. */
  readonly table?: string;
  readonly keyColumns?: readonly string[];
  /**
   * Where each shard key column sits among a row's fields (0-based), or undefined when the statement
   * lists no columns: then the session learns the table's column order and calls `copyKeyPositions`.
   */
  readonly keyPositions?: readonly number[];
}
