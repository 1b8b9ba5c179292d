// Keeps a change in its source partition when the source is already partitioned by the group key
// (the table's shard key is among the GROUP BY columns, so every group lives on one shard and the
// shard already is the partition: no key is read, nothing is hashed); otherwise hashes as AlwaysHash.
// The choice is made once, from the catalog's shard key and the query, not guessed per change.
import { type HashOptions, hashedKey } from './always-hash-strategy.js';
import { type KeyPartitioner, keyPartitioner } from './key-partitioner.js';
import { StrategyBase } from './partitioning-strategy.js';
import type { Row } from './routable-event.js';
import { isSourceAligned, type StreamQuery } from './stream-query.js';

/**
 * Source partition when aligned (the zero-cost path), hash of the group key otherwise.
 *
 * Alignment holds while each key stays on one shard: during a reshard that moves keys between shards,
 * build the strategy again from the new catalog (a later issue does this for live views).
 *
 * @example
 *   // orders sharded by tenant_id, GROUP BY tenant_id: aligned, partition = shard id mod 8
 *   new SmartRepartitionStrategy(query, 8).aligned; // true
 */
export class SmartRepartitionStrategy extends StrategyBase {
  readonly name = 'smart' as const;
  /** Whether the query's groups each live on one shard, so changes keep their source partition. */
  readonly aligned: boolean;
  readonly sourceOnly: boolean;
  private readonly keys: KeyPartitioner | undefined;

  constructor(
    query: StreamQuery,
    partitions: number,
    private readonly options: HashOptions = {},
  ) {
    super(partitions);
    this.validate(query);
    this.aligned = isSourceAligned(query);
    this.sourceOnly = this.aligned;
    if (!this.aligned) {
      const { columns, types } = hashedKey(this.name, query, options.key);
      this.keys = keyPartitioner({ columns, types, hasher: options.hasher ?? 'postgres', partitions });
    }
  }

  validate(query: StreamQuery): void {
    if (!isSourceAligned(query)) hashedKey(this.name, query, this.options.key);
  }

  routeRow(shard: number, row: Row): number {
    const m = this.metrics;
    m.routed++;
    const source = shard % this.partitions;
    if (this.keys === undefined) {
      m.zeroCost++;
      return source;
    }
    m.repartitioned++;
    const partition = this.keys.ofRow(row);
    if (partition !== source) m.moved++;
    return partition;
  }

  routeKey(shard: number, key: readonly unknown[]): number {
    const m = this.metrics;
    m.routed++;
    const source = shard % this.partitions;
    if (this.keys === undefined) {
      m.zeroCost++;
      return source;
    }
    m.repartitioned++;
    const partition = this.keys.ofKey(key);
    if (partition !== source) m.moved++;
    return partition;
  }
}
