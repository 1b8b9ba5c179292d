// Hashes the group key of every change: correct for any query, whatever the source partitioning,
// at the cost of a hash per change and of moving most changes away from their source partition.
import type { HasherName, KeyType } from '../keyspace/key-type.js';
import { type KeyPartitioner, keyPartitioner } from './key-partitioner.js';
import { StrategyBase, type StrategyName } from './partitioning-strategy.js';
import type { Row } from './routable-event.js';
import { StreamError, StreamErrorCode } from './stream-errors.js';
import type { StreamQuery } from './stream-query.js';

/** Options of the hashing strategies (AlwaysHash, and SmartRepartition when it must hash). */
export interface HashOptions {
  /** `postgres` (default), `murmur3`, or `murmur2` for the partitions a Kafka producer would pick. */
  readonly hasher?: HasherName;
  /**
   * The columns to hash: by default the GROUP BY columns, or for an ungrouped query the source
   * partition key. Under GROUP BY it may be a subset of the group columns (each group stays whole).
   */
  readonly key?: readonly string[];
}

/** The columns (and their types, when known) a hashing strategy hashes for `query`; throws 0A000. */
export function hashedKey(
  strategy: StrategyName,
  query: StreamQuery,
  key: readonly string[] | undefined,
): { columns: readonly string[]; types: readonly KeyType[] | undefined } {
  if (key && key.length > 0) {
    if (query.grouped) {
      const outside = key.filter((column) => !query.groupBy.includes(column));
      if (outside.length > 0) {
        throw mismatch(
          `${strategy} cannot hash by ${outside.map((c) => `"${c}"`).join(', ')} for a query on ` +
            `${query.table} grouped by ${describeColumns(query.groupBy)}: a group's changes would be spread ` +
            'over several partitions; hash by group columns only, or leave key unset',
        );
      }
    }
    const types = query.groupKeyTypes
      ? key.map((column) => query.groupKeyTypes?.[query.groupBy.indexOf(column)])
      : undefined;
    return { columns: key, types: types?.every((t) => t !== undefined) ? (types as KeyType[]) : undefined };
  }
  if (query.grouped) return { columns: query.groupBy, types: query.groupKeyTypes };
  if (query.sourcePartitionKey.length > 0) return { columns: query.sourcePartitionKey, types: undefined };
  throw mismatch(
    `${strategy} has no key to hash for the ungrouped query on ${query.table}, whose table has no shard ` +
      'key; name the columns with key: [...] or use round_robin',
  );
}

/** A 0A000 StreamError for a strategy that does not fit its query. */
export function mismatch(message: string): StreamError {
  return new StreamError(StreamErrorCode.strategyMismatch, message);
}

/** `GROUP BY ()` or the quoted column list. */
export function describeColumns(columns: readonly string[]): string {
  return columns.length === 0 ? '() (one global group)' : columns.map((c) => `"${c}"`).join(', ');
}

/**
 * Hashes every change's group key to a partition (the safe default): correct whatever the source
 * partitioning, one hash per change.
 *
 * @example
 *   const strategy = new AlwaysHashStrategy(query, 8, { hasher: 'murmur2' });
 *   strategy.routeRow(3, { tenant_id: 42, amount: 10 }); // = kafkajs's partition for key '42' of 8
 */
export class AlwaysHashStrategy extends StrategyBase {
  readonly name = 'always_hash' as const;
  readonly sourceOnly = false;
  private readonly keys: KeyPartitioner;

  constructor(
    query: StreamQuery,
    partitions: number,
    private readonly options: HashOptions = {},
  ) {
    super(partitions);
    this.validate(query);
    const { columns, types } = hashedKey(this.name, query, options.key);
    this.keys = keyPartitioner({ columns, types, hasher: options.hasher ?? 'postgres', partitions });
  }

  validate(query: StreamQuery): void {
    hashedKey(this.name, query, this.options.key);
  }

  routeRow(shard: number, row: Row): number {
    const partition = this.keys.ofRow(row);
    const m = this.metrics;
    m.routed++;
    m.repartitioned++;
    if (partition !== shard % this.partitions) m.moved++;
    return partition;
  }

  routeKey(shard: number, key: readonly unknown[]): number {
    const partition = this.keys.ofKey(key);
    const m = this.metrics;
    m.routed++;
    m.repartitioned++;
    if (partition !== shard % this.partitions) m.moved++;
    return partition;
  }
}
