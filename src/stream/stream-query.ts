// What a partitioning strategy needs to know about the query a stream serves: which columns group it
// and how its source table is already partitioned across shards. Built from the catalog's table rule
// and the query's GROUP BY by `streamQueryFor`; strategies check it in `validate`.
import type { TableRule } from '../catalog/catalog.js';
import type { KeyType } from '../keyspace/key-type.js';

/**
 * The query a partitioned stream serves, as far as partitioning is concerned.
 *
 * @example
 *   // SELECT tenant_id, count(*), sum(amount) FROM orders GROUP BY tenant_id, orders sharded by tenant_id
 *   const query: StreamQuery = {
 *     table: 'orders',
 *     grouped: true,
 *     groupBy: ['tenant_id'],
 *     sourcePartitionKey: ['tenant_id'],
 *     groupKeyTypes: ['int8'],
 *   };
 */
export interface StreamQuery {
  /** The source table whose changes the stream carries. */
  readonly table: string;
  /**
   * Whether the query aggregates (GROUP BY, or aggregates without GROUP BY, which form one group):
   * then every change of one group must reach the same partition.
   */
  readonly grouped: boolean;
  /** The GROUP BY columns, in order; empty for an ungrouped query or a single global group. */
  readonly groupBy: readonly string[];
  /**
   * The columns the source is partitioned by: the table's shard key. Empty when the source's
   * partitioning says nothing about keys (an unsharded or reference table, or unknown).
   */
  readonly sourcePartitionKey: readonly string[];
  /**
   * Types of the group key columns when known, one per `groupBy` column; they make 42, 42n and '42'
   * hash alike. Without them values hash by their JavaScript type (integers as int8, strings as text).
   */
  readonly groupKeyTypes?: readonly KeyType[];
}

/**
 * The StreamQuery of a query over `table` grouped by `groupBy` (`null` when it does not aggregate),
 * with the source partitioning taken from the table's catalog rule (`undefined`: an unsharded table).
 * Key types come from the rule for group columns that are shard key columns.
 */
export function streamQueryFor(
  table: string,
  groupBy: readonly string[] | null,
  rule: TableRule | undefined,
): StreamQuery {
  const shardKey = rule?.kind === 'sharded' ? rule.shardKey : [];
  const columns = groupBy ?? [];
  const types: KeyType[] = [];
  if (rule?.kind === 'sharded' && rule.keyTypes) {
    for (const column of columns) {
      const at = shardKey.indexOf(column);
      const type = at >= 0 ? rule.keyTypes[at] : undefined;
      if (!type) break;
      types.push(type);
    }
  }
  return {
    table,
    grouped: groupBy !== null,
    groupBy: columns,
    sourcePartitionKey: shardKey,
    ...(types.length === columns.length && columns.length > 0 ? { groupKeyTypes: types } : {}),
  };
}

/**
 * Whether every group of the query lies on one shard, so the source shard can serve as the partition:
 * the query does not group, or every source partition key column is a group key column (GROUP BY the
 * shard key, or the shard key plus more columns). A global aggregate (grouped, no columns) is not.
 */
export function isSourceAligned(query: StreamQuery): boolean {
  if (!query.grouped) return true;
  const key = query.sourcePartitionKey;
  return key.length > 0 && key.every((column) => query.groupBy.includes(column));
}
