import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AlwaysHashStrategy } from './always-hash-strategy.js';
import type { HandlerSpec } from './partition-handler.js';
import { PartitionedProcessor, type ProcessorOptions } from './partitioned-processor.js';
import type { PartitioningStrategy } from './partitioning-strategy.js';
import type { TestCaptureChange, TestChange, TestHandlerOptions } from './processor-test-handlers.js';
import { changeEventAccess } from './routable-event.js';
import { SmartRepartitionStrategy } from './smart-repartition-strategy.js';
import { StreamError, StreamErrorCode } from './stream-errors.js';
import type { StreamQuery } from './stream-query.js';

const HANDLERS = new URL('./processor-test-handlers.ts', import.meta.url);
const SHARDS = 4;
const byKey: StreamQuery = { table: 't', grouped: true, groupBy: ['key'], sourcePartitionKey: ['key'] };
const shardOf = (key: number) => (key * 2654435761) % SHARDS;

/** `count` changes over `keys` keys, each key's changes numbered n = 0, 1, … in order. */
function changes(count: number, keys: number, seed = 1): TestChange[] {
  const next = new Map<number, number>();
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const key = state % keys;
    const n = next.get(key) ?? 0;
    next.set(key, n + 1);
    return { table: 't', shard: shardOf(key), row: { key, n, amount: (state >>> 8) % 1000 } };
  });
}

interface Output {
  readonly partition: number;
  readonly seq: number;
  readonly value: { key: number; n: number };
}

const open: PartitionedProcessor<TestChange>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.terminate()));
});

function start(
  strategy: PartitioningStrategy,
  handler: { export: string; options?: TestHandlerOptions },
  options: Partial<ProcessorOptions<TestChange>> = {},
): { processor: PartitionedProcessor<TestChange>; outputs: Output[] } {
  const outputs: Output[] = [];
  const spec: HandlerSpec = { module: HANDLERS, export: handler.export, options: handler.options ?? {} };
  const processor = new PartitionedProcessor<TestChange>({
    strategy,
    handler: spec,
    batchSize: 16,
    queueCapacity: 256,
    onOutput: (partition, seq, value) => outputs.push({ partition, seq, value: value as Output['value'] }),
    ...options,
  });
  open.push(processor);
  return { processor, outputs };
}

async function pushAll(
  processor: PartitionedProcessor<TestChange>,
  events: readonly TestChange[],
): Promise<number> {
  let waits = 0;
  for (const event of events) {
    const full = processor.push(event);
    if (full) {
      waits++;
      await full;
    }
  }
  return waits;
}

/**
 * Every change was handled at least once; dropping repeats by (partition, seq) leaves each exactly
 * once, in sequence order per partition, and in n order per key.
 */
function expectEachOnceInOrder(
  events: readonly TestChange[],
  outputs: readonly Output[],
  contiguous = true,
): number {
  const seen = new Set<string>();
  const lastSeq = new Map<number, number>();
  const lastN = new Map<number, number>();
  let duplicates = 0;
  for (const { partition, seq, value } of outputs) {
    const id = `${partition}:${seq}`;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    if (contiguous) expect(seq, `partition ${partition}`).toBe((lastSeq.get(partition) ?? -1) + 1);
    else expect(seq, `partition ${partition}`).toBeGreaterThan(lastSeq.get(partition) ?? -1);
    lastSeq.set(partition, seq);
    expect(value.n, `key ${value.key}`).toBe((lastN.get(value.key) ?? -1) + 1);
    lastN.set(value.key, value.n);
  }
  expect(seen.size).toBe(events.length);
  for (const event of events) expect(lastN.get(event.row.key)).toBeGreaterThanOrEqual(event.row.n);
  return duplicates;
}

describe('PartitionedProcessor', () => {
  it('handles every change once, in order per key, on the partition its strategy picks', async () => {
    const strategy = new AlwaysHashStrategy(byKey, 3);
    const { processor, outputs } = start(strategy, { export: 'recording' });
    const events = changes(3000, 97);
    await pushAll(processor, events);
    await processor.drain();
    expect(expectEachOnceInOrder(events, outputs)).toBe(0);
    const check = new AlwaysHashStrategy(byKey, 3);
    for (const { partition, value } of outputs) expect(partition).toBe(check.routeKey(0, [value.key]));
    const metrics = processor.metrics();
    expect(metrics.strategy.routed).toBe(events.length);
    expect(metrics.partitions.reduce((sum, p) => sum + p.handled, 0)).toBe(events.length);
    for (const p of metrics.partitions) expect(p.queued).toBe(0);
    await processor.close();
  });

  it('makes the producer wait when a partition is full and never holds more than its capacity', async () => {
    const strategy = new AlwaysHashStrategy(byKey, 2);
    const { processor, outputs } = start(
      strategy,
      { export: 'recording', options: { yieldEvery: 8 } },
      { queueCapacity: 32, batchSize: 8 },
    );
    const events = changes(2000, 50);
    const waits = await pushAll(processor, events);
    await processor.drain();
    expect(waits).toBeGreaterThan(0);
    for (const p of processor.metrics().partitions) expect(p.maxQueued).toBeLessThanOrEqual(32);
    expectEachOnceInOrder(events, outputs);
  });

  for (const failBy of ['throw', 'reject', 'exit'] as const) {
    it(`redelivers what a failed worker had not acknowledged (failure by ${failBy})`, async () => {
      const strategy = new SmartRepartitionStrategy(byKey, 2);
      const failAt = [5, 40, 41, 300];
      const { processor, outputs } = start(strategy, { export: 'recording', options: { failAt, failBy } });
      const events = changes(1500, 61);
      await pushAll(processor, events);
      await processor.drain();
      expectEachOnceInOrder(events, outputs);
      const metrics = processor.metrics();
      for (const p of metrics.partitions) {
        expect(p.restarts).toBe(failAt.length);
        expect(p.redelivered).toBeGreaterThan(0);
        expect(p.state).toBe('running');
      }
      expect(metrics.strategy.zeroCostShare).toBe(1);
    });
  }

  it('keeps per-key order and loses nothing under random failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat(400), { maxLength: 4 }).map((a) => a.sort((x, y) => x - y)),
        fc.integer({ min: 1, max: 40 }),
        async (failAt, batchSize) => {
          const { processor, outputs } = start(
            new AlwaysHashStrategy(byKey, 2),
            { export: 'recording', options: { failAt } },
            { batchSize, queueCapacity: 64 },
          );
          const events = changes(600, 23, failAt.length + batchSize);
          await pushAll(processor, events);
          await processor.drain();
          expectEachOnceInOrder(events, outputs);
          await processor.terminate();
        },
      ),
      { numRuns: 4 },
    );
  });

  it('restores a snapshotting handler so its GROUP BY state counts every change exactly once', async () => {
    const events = changes(5000, 40);
    const expected = new Map<number, [number, number]>();
    for (const { row } of events) {
      const g = expected.get(row.key) ?? [0, 0];
      expected.set(row.key, [g[0] + 1, g[1] + row.amount]);
    }
    const failAt = [100, 1000, 1001, 2400];
    for (const make of [
      () => new SmartRepartitionStrategy(byKey, 2),
      () => new AlwaysHashStrategy(byKey, 2),
    ]) {
      // Worker i fails at failAt[i] when its partition has that many changes.
      const sizes = [0, 0];
      const route = make();
      for (const event of events) sizes[route.route(event)]!++;
      const restarts = sizes.map((size) => failAt.filter((seq) => seq < size).length);
      expect(restarts.some((r) => r >= 3)).toBe(true);
      const { processor } = start(
        make(),
        { export: 'grouping', options: { failAt } },
        { checkpointEvery: 3 },
      );
      await processor.pushBatch(events);
      const results = (await processor.collect()) as [number, number, number][][];
      const got = new Map<number, [number, number]>();
      for (const partition of results) {
        for (const [key, count, sum] of partition) {
          expect(got.has(key), `group ${key} is in one partition only`).toBe(false);
          got.set(key, [count, sum]);
        }
      }
      expect(got).toEqual(expected);
      const metrics = processor.metrics();
      expect(metrics.partitions.map((p) => p.restarts)).toEqual(restarts);
      expect(metrics.strategy.timedDecisions).toBe(events.length);
      await processor.close();
    }
  });

  it('fails a partition whose handler keeps failing on one change, and says which', async () => {
    const { processor } = start(
      new AlwaysHashStrategy(byKey, 2),
      { export: 'recording', options: { alwaysFailAt: 7 } },
      { maxRestarts: 2 },
    );
    await pushAll(processor, changes(200, 10));
    const error = await processor.drain().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe(StreamErrorCode.partitionFailed);
    expect((error as StreamError).message).toMatch(/failed 3 times on the change at sequence 7/);
    expect(((error as StreamError).cause as Error).message).toBe('injected failure at 7');
    expect(() => processor.pushBatch(changes(1, 10))).toThrow(/failed 3 times/);
    expect(processor.metrics().partitions.some((p) => p.state === 'failed')).toBe(true);
  });

  it("routes change capture's events (shard ids, old and new rows, int8 as bigint) in place", async () => {
    const strategy = new AlwaysHashStrategy(byKey, 2);
    const outputs: Output[] = [];
    const processor = new PartitionedProcessor<TestCaptureChange>({
      strategy,
      handler: { module: HANDLERS, export: 'recording', options: {} },
      access: changeEventAccess,
      batchSize: 7,
      onOutput: (partition, seq, value) => outputs.push({ partition, seq, value: value as Output['value'] }),
    });
    const plain = changes(500, 31);
    const captured = plain.map(({ shard, row }, i): TestCaptureChange => {
      const r = { key: BigInt(row.key), n: row.n };
      const op = (['insert', 'update', 'delete'] as const)[i % 3]!;
      return {
        shard: `s${shard}`,
        shardId: shard,
        op,
        old: op === 'insert' ? null : r,
        new: op === 'delete' ? null : r,
      };
    });
    for (const change of captured) {
      const full = processor.push(change);
      if (full) await full;
    }
    // A truncate has no row to route by: every partition gets it, after what it already holds.
    await processor.broadcast({ shard: 's0', shardId: 0, op: 'truncate', old: null, new: null });
    await processor.drain();
    await processor.close();
    const truncates = outputs.filter((o) => o.value.key === -1);
    expect(truncates.map((o) => o.partition).sort()).toEqual([0, 1]);
    for (const t of truncates) {
      expect(Math.max(...outputs.filter((o) => o.partition === t.partition).map((o) => o.seq))).toBe(t.seq);
    }
    expectEachOnceInOrder(
      plain,
      outputs.filter((o) => o.value.key !== -1),
      false,
    );
    const check = new AlwaysHashStrategy(byKey, 2);
    for (const { partition, value } of outputs) {
      if (value.key !== -1) expect(partition).toBe(check.routeKey(0, [value.key]));
    }
  });

  it('refuses changes after close', async () => {
    const { processor } = start(new AlwaysHashStrategy(byKey, 1), { export: 'recording' });
    await processor.close();
    expect(() => processor.push(changes(1, 1)[0]!)).toThrow(/closed/);
  });
});
