// Routing decisions per second on one thread, for each strategy and key shape, against a baseline
// measured in the same run: a JS Map from tenant_id to a precomputed partition (what a routing table
// costs). Each case runs in a fresh worker thread (its own V8 isolate), as one stream alone in a
// process would; the first case runs once more after all the others in one isolate, where the shared
// hashing code has seen every key type (what a process serving many streams gets). Each figure is the
// best of 15 short rounds, so that a busy machine's quiet moments are what is measured.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AlwaysHashStrategy } from '../../src/stream/always-hash-strategy.js';
import type { PartitioningStrategy } from '../../src/stream/partitioning-strategy.js';
import { RoundRobinStrategy } from '../../src/stream/round-robin-strategy.js';
import { type RoutableEvent, routableEventAccess } from '../../src/stream/routable-event.js';
import { SmartRepartitionStrategy } from '../../src/stream/smart-repartition-strategy.js';
import { StickyStrategy } from '../../src/stream/sticky-strategy.js';
import type { StreamQuery } from '../../src/stream/stream-query.js';
import { opsPerSecond } from '../lib.js';

const EVENTS = 1 << 16;
const MASK = EVENTS - 1;
const ITERATIONS = 2_000_000;
const ROUNDS = 15;
const PARTITIONS = 8;
const SHARDS = 4;

/** One routing figure. */
export interface RoutingFigure {
  readonly case: string;
  readonly strategy: string;
  readonly key: string;
  readonly decisionsPerSecond: number;
}

// orders(tenant_id int8, region text, amount), sharded by tenant_id.
const base = { table: 'orders', grouped: true, sourcePartitionKey: ['tenant_id'] } as const;
const q = {
  tenantTyped: { ...base, groupBy: ['tenant_id'], groupKeyTypes: ['int8'] },
  tenant: { ...base, groupBy: ['tenant_id'] },
  region: { ...base, groupBy: ['region'] },
  regionTenant: { ...base, groupBy: ['region', 'tenant_id'], groupKeyTypes: ['text', 'int8'] },
  byCustomer: { ...base, groupBy: ['customer_id'], groupKeyTypes: ['int8'] },
  ungrouped: { ...base, grouped: false, groupBy: [] },
} satisfies Record<string, StreamQuery>;

function events(): RoutableEvent[] {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return Array.from({ length: EVENTS }, () => {
    const tenant = (next() % 2 ** 20) * 2 ** 20 + (next() % 2 ** 20);
    return {
      table: 'orders',
      shard: tenant % SHARDS,
      row: {
        tenant_id: tenant,
        customer_id: next(),
        region: `region-${next() % 50}`,
        amount: next() % 10_000,
      },
    };
  });
}

let sink = 0;

/** Decisions per second of `strategy.routeRow` over the events, in a loop of its own. */
function measure(strategy: PartitioningStrategy, sample: readonly RoutableEvent[]): number {
  const loop = new Function(
    'strategy',
    'events',
    'n',
    `let acc = 0;
     for (let i = 0; i < n; i++) { const e = events[i & ${MASK}]; acc += strategy.routeRow(e.shard, e.row); }
     return acc;`,
  ) as (s: PartitioningStrategy, e: readonly RoutableEvent[], n: number) => number;
  return opsPerSecond(
    (n) => {
      sink += loop(strategy, sample, n);
    },
    ITERATIONS,
    ROUNDS,
  );
}

/** The same through `routeBatch` (what the processor calls), 256 events a batch. */
function measureBatches(strategy: PartitioningStrategy, sample: readonly RoutableEvent[]): number {
  const out = new Int32Array(256);
  const batches = Array.from({ length: EVENTS / 256 }, (_, i) => sample.slice(i * 256, (i + 1) * 256));
  return opsPerSecond(
    (n) => {
      for (let done = 0, b = 0; done < n; done += 256, b = (b + 1) % batches.length) {
        strategy.routeBatch(batches[b]!, routableEventAccess, out);
        sink += out[0]!;
      }
    },
    ITERATIONS,
    ROUNDS,
  );
}

interface Case {
  readonly name: string;
  readonly strategy: string;
  readonly key: string;
  readonly run: (sample: readonly RoutableEvent[]) => number;
}

const CASES: readonly Case[] = [
  {
    name: 'always_hash, postgres',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) => measure(new AlwaysHashStrategy(q.tenantTyped, PARTITIONS), s),
  },
  {
    name: 'JS Map.get of a precomputed partition (baseline)',
    strategy: 'none',
    key: 'int8',
    run: (s) => {
      const table = new Map(
        s.map((e) => [e.row.tenant_id as number, (e.row.tenant_id as number) % PARTITIONS]),
      );
      const lookup = { routeRow: (_shard: number, row: { tenant_id: number }) => table.get(row.tenant_id)! };
      return measure(lookup as unknown as PartitioningStrategy, s);
    },
  },
  {
    name: 'always_hash, postgres, untyped',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) => measure(new AlwaysHashStrategy(q.tenant, PARTITIONS), s),
  },
  {
    name: 'always_hash, postgres, routeBatch (256)',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) => measureBatches(new AlwaysHashStrategy(q.tenantTyped, PARTITIONS), s),
  },
  {
    name: 'always_hash, postgres, bigint values (as change capture delivers int8)',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) =>
      measure(
        new AlwaysHashStrategy(q.tenantTyped, PARTITIONS),
        s.map((e) => ({ ...e, row: { ...e.row, tenant_id: BigInt(e.row.tenant_id as number) } })),
      ),
  },
  {
    name: 'always_hash, murmur2 (Kafka)',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) => measure(new AlwaysHashStrategy(q.tenantTyped, PARTITIONS, { hasher: 'murmur2' }), s),
  },
  {
    name: 'always_hash, murmur3',
    strategy: 'always_hash',
    key: 'int8',
    run: (s) => measure(new AlwaysHashStrategy(q.tenantTyped, PARTITIONS, { hasher: 'murmur3' }), s),
  },
  {
    name: 'always_hash, postgres',
    strategy: 'always_hash',
    key: 'text',
    run: (s) => measure(new AlwaysHashStrategy(q.region, PARTITIONS), s),
  },
  {
    name: 'always_hash, postgres',
    strategy: 'always_hash',
    key: '(text, int8)',
    run: (s) => measure(new AlwaysHashStrategy(q.regionTenant, PARTITIONS), s),
  },
  {
    name: 'always_hash, murmur2 (Kafka)',
    strategy: 'always_hash',
    key: '(text, int8)',
    run: (s) => measure(new AlwaysHashStrategy(q.regionTenant, PARTITIONS, { hasher: 'murmur2' }), s),
  },
  {
    name: 'smart, aligned (zero-cost path)',
    strategy: 'smart',
    key: 'int8',
    run: (s) => measure(new SmartRepartitionStrategy(q.tenantTyped, PARTITIONS), s),
  },
  {
    name: 'smart, not aligned (hashes)',
    strategy: 'smart',
    key: 'int8',
    run: (s) => measure(new SmartRepartitionStrategy(q.byCustomer, PARTITIONS), s),
  },
  {
    name: 'round_robin',
    strategy: 'round_robin',
    key: '-',
    run: (s) => measure(new RoundRobinStrategy(q.ungrouped, PARTITIONS), s),
  },
  {
    name: 'sticky',
    strategy: 'sticky',
    key: '-',
    run: (s) => measure(new StickyStrategy(q.tenant, PARTITIONS), s),
  },
];

/** Measures case `index` in this thread. */
function runCase(index: number, sample: readonly RoutableEvent[]): RoutingFigure {
  const c = CASES[index]!;
  return { case: c.name, strategy: c.strategy, key: c.key, decisionsPerSecond: Math.round(c.run(sample)) };
}

// Worker threads do not inherit tsx's loader: start them through the stream's TypeScript bootstrap.
const BOOTSTRAP = new URL('../../src/stream/worker-bootstrap.mjs', import.meta.url);

function caseWorker(index: number): Worker {
  return new Worker(BOOTSTRAP, { workerData: { entry: import.meta.url, index } });
}

/** Runs every routing case, each in a fresh worker thread, then every case in one thread. */
export async function routingFigures(): Promise<{ alone: RoutingFigure[]; shared: RoutingFigure[] }> {
  const alone: RoutingFigure[] = [];
  for (let index = 0; index < CASES.length; index++) {
    const worker = caseWorker(index);
    alone.push(
      await new Promise<RoutingFigure>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
    );
    await worker.terminate();
  }
  const worker = caseWorker(-1);
  const shared = await new Promise<RoutingFigure[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return { alone, shared };
}

if (!isMainThread && workerData && typeof (workerData as { index?: unknown }).index === 'number') {
  const { index } = workerData as { index: number };
  const sample = events();
  if (index >= 0) {
    parentPort!.postMessage(runCase(index, sample));
  } else {
    // Every case in one isolate, then the first again: shared code that has seen every key type.
    const all = CASES.map((_, i) => runCase(i, sample));
    all.push({ ...runCase(0, sample), case: `${CASES[0]!.name}, after all other cases` });
    parentPort!.postMessage(all);
  }
  if (sink === 0.5) console.log(sink);
}
