// The little a partitioning strategy reads from a change: its source shard and the row holding the
// group key columns. The change capture's events carry more (position, transaction, old and new rows);
// `rowOfChange` picks the row a change is keyed by without copying anything.

/** One row as column name → value (what change capture delivers for old and new rows). */
export type Row = Readonly<Record<string, unknown>>;

/**
 * A change as a strategy sees it.
 *
 * @example
 *   // from a change event with old and new rows:
 *   strategy.routeRow(change.shard, rowOfChange(change));
 *   // or build one:
 *   strategy.route({ table: 'orders', shard: 2, row: { tenant_id: 42, amount: 10 } });
 */
export interface RoutableEvent {
  readonly table: string;
  /** The source shard's id (ShardInfo.id): the partition the event is already in. */
  readonly shard: number;
  /** The row whose key columns decide the partition. */
  readonly row: Row;
}

/** The parts of a change event `rowOfChange` reads. */
export interface RowChange {
  readonly old?: Row | null;
  readonly new?: Row | null;
}

/**
 * The row a change is routed by: the new row of an insert or update, the old row of a delete.
 * An update that changes the group key belongs to two groups (the old one loses the row, the new one
 * gains it): a consumer that keeps per-group state routes `change.old` and `change.new` separately
 * and splits the change when their partitions differ.
 */
export function rowOfChange(change: RowChange): Row {
  const row = change.new ?? change.old;
  if (!row) throw new TypeError('a change without old or new row cannot be routed');
  return row;
}
