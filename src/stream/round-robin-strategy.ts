// Deals changes to partitions in turn, whatever their key: the most even spread for stateless work
// (filters, projections, fan-out). It would split a group's changes across partitions, so it refuses
// grouped queries, and it does not keep the changes of one row in order.
import { describeColumns, mismatch } from './always-hash-strategy.js';
import { StrategyBase } from './partitioning-strategy.js';
import type { Row } from './routable-event.js';
import type { StreamQuery } from './stream-query.js';

/**
 * Partition 0, 1, …, N-1, 0, … in the order changes are routed: after k decisions every partition
 * has received ⌊k/N⌋ or ⌈k/N⌉ changes.
 */
export class RoundRobinStrategy extends StrategyBase {
  readonly name = 'round_robin' as const;
  readonly sourceOnly = false;
  private next = 0;

  constructor(query: StreamQuery, partitions: number) {
    super(partitions);
    this.validate(query);
  }

  validate(query: StreamQuery): void {
    if (query.grouped) {
      throw mismatch(
        `round_robin cannot serve the query on ${query.table} grouped by ${describeColumns(query.groupBy)}: ` +
          'it deals changes out without regard to their key, so one group would be counted in several ' +
          'partitions; use always_hash or smart for GROUP BY and aggregates',
      );
    }
  }

  routeRow(shard: number, _row: Row): number {
    const partition = this.next;
    this.next = partition + 1 === this.partitions ? 0 : partition + 1;
    const m = this.metrics;
    m.routed++;
    if (partition !== shard % this.partitions) m.moved++;
    return partition;
  }

  routeKey(shard: number, _key: readonly unknown[]): number {
    return this.routeRow(shard, EMPTY);
  }
}

const EMPTY: Row = Object.freeze({});
