// GROUP BY tenant_id count/sum over a synthetic change stream through the partitioned processor: the
// stream of an orders table sharded by tenant_id over 4 shards (each change's shard is the one the
// keyspace's default hasher gives its tenant), arriving as the change capture delivers it, a batch of
// one shard's changes at a time. Every run's result is checked against a single-threaded aggregation
// of the same stream.
import { equalShardMap } from '../../src/keyspace/equal-ranges.js';
import { HashRangeResolver } from '../../src/keyspace/hash-range-resolver.js';
import { hasherFor } from '../../src/keyspace/hasher-for.js';
import { PartitionedProcessor } from '../../src/stream/partitioned-processor.js';
import type { PartitioningStrategy } from '../../src/stream/partitioning-strategy.js';
import type { OrderChange } from './group-by-handler.js';

export const SHARDS = 4;
const TENANTS = 10_000;
const CHUNK = 512;

/** A deterministic stream of `total` inserts, in chunks of one shard's changes. */
export class ChangeStream {
  private readonly tenantsOf: number[][];

  constructor(readonly total: number) {
    const resolver = new HashRangeResolver(
      hasherFor('postgres'),
      ['int8'],
      equalShardMap(Array.from({ length: SHARDS }, (_, i) => i)),
    );
    this.tenantsOf = Array.from({ length: SHARDS }, () => []);
    for (let tenant = 1; tenant <= TENANTS; tenant++) this.tenantsOf[resolver.shardOf(tenant)]!.push(tenant);
  }

  /** Calls `take` with each chunk, in order; awaits what it returns (backpressure). */
  async forEachChunk(take: (chunk: OrderChange[]) => Promise<void> | undefined): Promise<void> {
    let state = 0x9e3779b9;
    const positions = new Array<number>(SHARDS).fill(0);
    for (let made = 0, c = 0; made < this.total; c++) {
      const shard = c % SHARDS;
      const tenants = this.tenantsOf[shard]!;
      const size = Math.min(CHUNK, this.total - made);
      const chunk = new Array<OrderChange>(size);
      for (let i = 0; i < size; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const r = state >>> 0;
        chunk[i] = {
          table: 'orders',
          shard,
          position: ++positions[shard]!,
          op: 'insert',
          row: { tenant_id: tenants[r % tenants.length]!, amount: r % 10_000 },
        };
      }
      made += size;
      const wait = take(chunk);
      if (wait) await wait;
    }
  }
}

/** tenant → [count, sum]. */
export type Groups = Map<number, [number, number]>;

/** The same GROUP BY on this thread, no workers: the reference result and the baseline rate. */
export async function aggregateInline(
  stream: ChangeStream,
): Promise<{ groups: Groups; ms: number; cpuNanosPerChange: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const groups: Groups = new Map();
  await stream.forEachChunk((chunk) => {
    for (const { row } of chunk) {
      const g = groups.get(row.tenant_id);
      if (g) {
        g[0]++;
        g[1] += row.amount;
      } else {
        groups.set(row.tenant_id, [1, row.amount]);
      }
    }
    return undefined;
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { groups, ms, cpuNanosPerChange: Math.round(((cpu.user + cpu.system) * 1000) / stream.total) };
}

/** One run's figures. */
export interface ProcessorRun {
  readonly strategy: string;
  readonly ms: number;
  readonly eventsPerSecond: number;
  /**
   * CPU time of the whole process (main thread, workers, GC) per change, in nanoseconds: unlike the
   * wall-clock rate, not inflated by other processes competing for the cores.
   */
  readonly cpuNanosPerChange: number;
  readonly zeroCostShare: number;
  readonly movedShare: number;
  readonly meanRouteNanos: number;
  readonly maxQueued: readonly number[];
  readonly handled: readonly number[];
}

/**
 * Streams every change through a processor with `strategy`'s partitions, collects each partition's
 * groups and checks them against `expected` (each tenant in one partition, equal counts and sums).
 */
export async function runProcessor(
  stream: ChangeStream,
  strategy: PartitioningStrategy,
  expected: Groups,
  options: { batchSize: number; queueCapacity: number },
): Promise<ProcessorRun> {
  const processor = new PartitionedProcessor<OrderChange>({
    strategy,
    handler: { module: new URL('./group-by-handler.ts', import.meta.url) },
    ...options,
  });
  await processor.ready();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await stream.forEachChunk((chunk) => processor.pushBatch(chunk));
  const results = (await processor.collect()) as [number, number, number][][];
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const metrics = processor.metrics();
  await processor.close();

  const seen = new Set<number>();
  for (const rows of results) {
    for (const [tenant, count, sum] of rows) {
      if (seen.has(tenant))
        throw new Error(`${strategy.name}: tenant ${tenant} was grouped in two partitions`);
      seen.add(tenant);
      const want = expected.get(tenant);
      if (!want || want[0] !== count || want[1] !== sum) {
        throw new Error(
          `${strategy.name}: tenant ${tenant} has count ${count}, sum ${sum}; expected ${want}`,
        );
      }
    }
  }
  if (seen.size !== expected.size)
    throw new Error(`${strategy.name}: ${seen.size} of ${expected.size} groups`);
  return {
    strategy: strategy.name,
    ms: Math.round(ms),
    eventsPerSecond: Math.round(stream.total / (ms / 1000)),
    cpuNanosPerChange: Math.round(((cpu.user + cpu.system) * 1000) / stream.total),
    zeroCostShare: metrics.strategy.zeroCostShare,
    movedShare: Math.round(metrics.strategy.movedShare * 1000) / 1000,
    meanRouteNanos: Math.round(metrics.strategy.meanRouteNanos * 10) / 10,
    maxQueued: metrics.partitions.map((p) => p.maxQueued),
    handled: metrics.partitions.map((p) => p.handled),
  };
}
