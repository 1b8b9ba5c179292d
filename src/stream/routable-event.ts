// The little a partitioning strategy reads from a change: its source shard and the row holding the
// key columns. Strategies read them through an EventAccess, so any event shape routes without being
// copied: RoutableEvent here, and change capture's ChangeEvent (shard id in `shardId`, old and new
// rows) through `changeEventAccess`.

/** One row as column name → value (what change capture delivers for old and new rows). */
export type Row = Readonly<Record<string, unknown>>;

/**
 * A change as a strategy sees it.
 *
 * @example
 *   strategy.route({ table: 'orders', shard: 2, row: { tenant_id: 42, amount: 10 } });
 */
export interface RoutableEvent {
  readonly table: string;
  /** The source shard's id (ShardInfo.id): the partition the event is already in. */
  readonly shard: number;
  /** The row whose key columns decide the partition. */
  readonly row: Row;
}

/** How to read the source shard id and the routing row of an event of type E. */
export interface EventAccess<E> {
  shard(event: E): number;
  row(event: E): Row;
}

/** EventAccess for RoutableEvents. */
export const routableEventAccess: EventAccess<RoutableEvent> = {
  shard: (event) => event.shard,
  row: (event) => event.row,
};

/** The parts of a change capture event that routing reads (cdc's ChangeEvent has them). */
export interface RowChange {
  /** The source shard's id (`ShardInfo.id`). */
  readonly shardId: number;
  readonly old: Row | null;
  readonly new: Row | null;
}

/**
 * The row a change is routed by: the new row of an insert or update, the old row of a delete.
 * An update that changes the group key belongs to two groups (the old one loses the row, the new one
 * gains it): a consumer that keeps per-group state routes `change.old` and `change.new` separately
 * and splits the change when their partitions differ. A truncate has neither row: send it to every
 * partition.
 */
export function rowOfChange(change: Pick<RowChange, 'old' | 'new'>): Row {
  const row = change.new ?? change.old;
  if (!row) throw new TypeError('a change without old or new row (a truncate) cannot be routed by key');
  return row;
}

/** EventAccess for change capture events: `shardId` and `rowOfChange`. */
export const changeEventAccess: EventAccess<RowChange> = {
  shard: (change) => change.shardId,
  row: rowOfChange,
};
