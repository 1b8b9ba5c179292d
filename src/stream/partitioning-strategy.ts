// The pluggable part of the stream: how a change finds its partition. A strategy is built for one
// query (a StreamQuery) and N partitions; it refuses a query it cannot serve correctly, then routes
// rows, key tuples or whole batches. Implementations: AlwaysHashStrategy, SmartRepartitionStrategy,
// RoundRobinStrategy, StickyStrategy; `createStrategy` builds one from configuration.
import { checkPartitionCount } from './key-partitioner.js';
import type { EventAccess, RoutableEvent, Row } from './routable-event.js';
import { newStrategyMetrics, type StrategyMetrics } from './strategy-metrics.js';
import type { StreamQuery } from './stream-query.js';

/** The strategies, by the names configuration uses. */
export type StrategyName = 'always_hash' | 'smart' | 'round_robin' | 'sticky';

export const STRATEGY_NAMES: readonly StrategyName[] = ['always_hash', 'smart', 'round_robin', 'sticky'];

/**
 * Maps each change of a stream to one of `partitions` partitions.
 *
 * Changes of one key (one group of a grouped query) always reach the same partition, except under
 * RoundRobin, which refuses grouped queries. The source partition of a change is its shard id modulo
 * `partitions`.
 *
 * @example
 *   const strategy = createStrategy({ strategy: 'smart' }, query, 8);
 *   const partition = strategy.routeRow(change.shardId, rowOfChange(change));
 */
export interface PartitioningStrategy {
  readonly name: StrategyName;
  readonly partitions: number;
  /** Counters, incremented as it routes. */
  readonly metrics: StrategyMetrics;
  /** Whether the partition depends only on the source shard (no key is read): Sticky, aligned Smart. */
  readonly sourceOnly: boolean;
  /** Throws a StreamError (0A000) saying why and what to use instead when it cannot serve `query`. */
  validate(query: StreamQuery): void;
  /** The partition of a change from shard `shard` whose routing row is `row`. */
  routeRow(shard: number, row: Row): number;
  /** `routeRow(event.shard, event.row)`. */
  route(event: RoutableEvent): number;
  /** The partition of a change from `shard` whose key (in key column order) is `key`. */
  routeKey(shard: number, key: readonly unknown[]): number;
  /**
   * Routes `events` into `out` (`out[i]` = partition of `events[i]`), reading shard and row through
   * `access`, and adds the time taken to `metrics.routeNanos`.
   */
  routeBatch<E>(events: readonly E[], access: EventAccess<E>, out: Int32Array): void;
}

/** Counting, timing and the routeRow-based entry points shared by every strategy. */
export abstract class StrategyBase implements PartitioningStrategy {
  abstract readonly name: StrategyName;
  abstract readonly sourceOnly: boolean;
  readonly metrics: StrategyMetrics = newStrategyMetrics();

  constructor(readonly partitions: number) {
    checkPartitionCount(partitions);
  }

  abstract validate(query: StreamQuery): void;
  abstract routeRow(shard: number, row: Row): number;
  abstract routeKey(shard: number, key: readonly unknown[]): number;

  route(event: RoutableEvent): number {
    return this.routeRow(event.shard, event.row);
  }

  routeBatch<E>(events: readonly E[], access: EventAccess<E>, out: Int32Array): void {
    const t0 = performance.now();
    const n = events.length;
    for (let i = 0; i < n; i++) {
      const event = events[i]!;
      out[i] = this.routeRow(access.shard(event), access.row(event));
    }
    this.metrics.routeNanos += Math.round((performance.now() - t0) * 1e6);
    this.metrics.timedDecisions += n;
  }

  /** The partition a change from `shard` is already in. */
  protected sourcePartition(shard: number): number {
    return shard % this.partitions;
  }
}
