// Keeps every change in its source partition (shard id mod N), never reading a key. Correct for
// ungrouped work and for queries grouped by the table's shard key; it refuses other grouped queries
// rather than split their groups (SmartRepartition hashes those instead).
import { describeColumns, mismatch } from './always-hash-strategy.js';
import { StrategyBase } from './partitioning-strategy.js';
import type { Row } from './routable-event.js';
import { isSourceAligned, type StreamQuery } from './stream-query.js';

/** Source partition always; refuses a grouped query whose groups span shards. */
export class StickyStrategy extends StrategyBase {
  readonly name = 'sticky' as const;
  readonly sourceOnly = true;

  constructor(query: StreamQuery, partitions: number) {
    super(partitions);
    this.validate(query);
  }

  validate(query: StreamQuery): void {
    if (!isSourceAligned(query)) {
      const source =
        query.sourcePartitionKey.length > 0
          ? `is sharded by ${describeColumns(query.sourcePartitionKey)}`
          : 'has no shard key';
      throw mismatch(
        `sticky cannot serve the query on ${query.table} grouped by ${describeColumns(query.groupBy)}: the ` +
          `table ${source}, so one group's changes come from several shards and would stay in several ` +
          'partitions; use smart (it hashes when the source is not aligned) or always_hash',
      );
    }
  }

  routeRow(shard: number, _row: Row): number {
    const m = this.metrics;
    m.routed++;
    m.zeroCost++;
    return shard % this.partitions;
  }

  routeKey(shard: number, _key: readonly unknown[]): number {
    return this.routeRow(shard, EMPTY);
  }
}

const EMPTY: Row = Object.freeze({});
