import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { TableRule } from '../catalog/catalog.js';
import { AlwaysHashStrategy } from './always-hash-strategy.js';
import { createStrategy } from './create-strategy.js';
import { keyPartitioner } from './key-partitioner.js';
import type { PartitioningStrategy } from './partitioning-strategy.js';
import { RoundRobinStrategy } from './round-robin-strategy.js';
import type { RoutableEvent } from './routable-event.js';
import { changeEventAccess, routableEventAccess, rowOfChange } from './routable-event.js';
import { SmartRepartitionStrategy } from './smart-repartition-strategy.js';
import { StickyStrategy } from './sticky-strategy.js';
import { summarizeStrategyMetrics } from './strategy-metrics.js';
import { StreamError } from './stream-errors.js';
import { isSourceAligned, type StreamQuery, streamQueryFor } from './stream-query.js';

// orders(tenant_id, status, amount), sharded by tenant_id.
const byTenant: StreamQuery = {
  table: 'orders',
  grouped: true,
  groupBy: ['tenant_id'],
  sourcePartitionKey: ['tenant_id'],
  groupKeyTypes: ['int8'],
};
const byTenantAndStatus: StreamQuery = {
  ...byTenant,
  groupBy: ['status', 'tenant_id'],
  groupKeyTypes: undefined,
};
const byStatus: StreamQuery = { ...byTenant, groupBy: ['status'], groupKeyTypes: undefined };
const globalAggregate: StreamQuery = { ...byTenant, groupBy: [], groupKeyTypes: undefined };
const ungrouped: StreamQuery = { ...byTenant, grouped: false, groupBy: [], groupKeyTypes: undefined };
const unsharded: StreamQuery = { ...ungrouped, sourcePartitionKey: [] };

const tenant = fc.integer({ min: 1, max: 50 });
const status = fc.constantFrom('new', 'paid', 'shipped', '', null);
const shardOf = (tenantId: number, shards: number) => (tenantId * 7919) % shards;

/** Changes of orders whose shard follows from tenant_id (the table is sharded by it). */
const alignedChanges = (shards: number) =>
  fc.array(
    fc
      .record({ tenant_id: tenant, status, amount: fc.integer() })
      .map((row): RoutableEvent => ({ table: 'orders', shard: shardOf(row.tenant_id, shards), row })),
    { maxLength: 200 },
  );

/** Changes with any shard, as when the table is not sharded by what the query groups by. */
const anyChanges = fc.array(
  fc
    .record({ shard: fc.nat(15), tenant_id: tenant, status, amount: fc.integer() })
    .map(({ shard, ...row }): RoutableEvent => ({ table: 'orders', shard, row })),
  { maxLength: 200 },
);

function errorOf(fn: () => unknown): StreamError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StreamError) return error;
    throw error;
  }
  throw new Error('expected a StreamError');
}

/** Every group (by `columns`) reaches exactly one partition. */
function expectGroupsWhole(
  strategy: PartitioningStrategy,
  events: readonly RoutableEvent[],
  columns: string[],
) {
  const seen = new Map<string, number>();
  for (const event of events) {
    const group = JSON.stringify(columns.map((c) => event.row[c]));
    const partition = strategy.route(event);
    expect(partition).toBeGreaterThanOrEqual(0);
    expect(partition).toBeLessThan(strategy.partitions);
    const before = seen.get(group);
    if (before !== undefined) expect(partition, `group ${group}`).toBe(before);
    seen.set(group, partition);
  }
}

describe('same key, same partition', () => {
  it('AlwaysHash sends every change of a group to one partition, whatever shard it comes from', () => {
    fc.assert(
      fc.property(anyChanges, fc.integer({ min: 1, max: 16 }), (events, n) => {
        expectGroupsWhole(new AlwaysHashStrategy(byTenant, n), events, ['tenant_id']);
        expectGroupsWhole(new AlwaysHashStrategy(byStatus, n), events, ['status']);
        expectGroupsWhole(new AlwaysHashStrategy(byTenantAndStatus, n), events, ['status', 'tenant_id']);
      }),
    );
  });

  it('SmartRepartition and Sticky keep groups whole on an aligned stream', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 16 }), (shards, n) => {
        const events = fc.sample(alignedChanges(shards), 1)[0]!;
        for (const query of [byTenant, byTenantAndStatus]) {
          expectGroupsWhole(new SmartRepartitionStrategy(query, n), events, [...query.groupBy]);
          expectGroupsWhole(new StickyStrategy(query, n), events, [...query.groupBy]);
        }
      }),
    );
  });

  it('SmartRepartition keeps groups whole when the stream is not aligned', () => {
    fc.assert(
      fc.property(anyChanges, fc.integer({ min: 1, max: 16 }), (events, n) => {
        expectGroupsWhole(new SmartRepartitionStrategy(byStatus, n), events, ['status']);
        expectGroupsWhole(new SmartRepartitionStrategy(globalAggregate, n), events, []);
      }),
    );
  });
});

describe('SmartRepartition', () => {
  it('uses the source partition when the shard key is among the group columns, and hashes otherwise', () => {
    fc.assert(
      fc.property(anyChanges, fc.integer({ min: 1, max: 16 }), (events, n) => {
        for (const query of [byTenant, byTenantAndStatus, ungrouped]) {
          const smart = new SmartRepartitionStrategy(query, n);
          expect(smart.aligned).toBe(true);
          for (const event of events) expect(smart.route(event)).toBe(event.shard % n);
        }
        for (const query of [byStatus, globalAggregate, { ...byTenant, sourcePartitionKey: [] }]) {
          const smart = new SmartRepartitionStrategy(query, n, { hasher: 'murmur3' });
          const hash = new AlwaysHashStrategy(query, n, { hasher: 'murmur3' });
          expect(smart.aligned).toBe(false);
          for (const event of events) expect(smart.route(event)).toBe(hash.route(event));
        }
      }),
    );
  });

  it('counts zero-cost, repartitioned and moved decisions', () => {
    fc.assert(
      fc.property(anyChanges, fc.integer({ min: 1, max: 16 }), (events, n) => {
        const aligned = new SmartRepartitionStrategy(byTenant, n);
        const misaligned = new SmartRepartitionStrategy(byStatus, n);
        let moved = 0;
        for (const event of events) {
          aligned.route(event);
          if (misaligned.route(event) !== event.shard % n) moved++;
        }
        expect(aligned.metrics).toMatchObject({
          routed: events.length,
          zeroCost: events.length,
          repartitioned: 0,
        });
        expect(aligned.metrics.moved).toBe(0);
        expect(misaligned.metrics).toMatchObject({ routed: events.length, zeroCost: 0, moved });
        expect(misaligned.metrics.repartitioned).toBe(events.length);
        const summary = summarizeStrategyMetrics(aligned.name, aligned.metrics);
        expect(summary.zeroCostShare).toBe(events.length === 0 ? 0 : 1);
      }),
    );
  });

  it("with murmur2 on a misaligned query, picks kafkajs's partition", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('\0')),
        fc.integer({ min: 1, max: 64 }),
        (s, n) => {
          const smart = new SmartRepartitionStrategy(byStatus, n, { hasher: 'murmur2' });
          const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
            partitionId,
            leader: 0,
            partitionErrorCode: 0,
            replicas: [0],
            isr: [0],
          }));
          const expected = partitioner({
            topic: 't',
            partitionMetadata,
            message: { key: Buffer.from(s), value: null },
          });
          expect(smart.routeRow(0, { tenant_id: 1, status: s })).toBe(expected);
          expect(smart.routeKey(0, [s])).toBe(expected);
        },
      ),
    );
  });
});

describe('RoundRobin', () => {
  it('keeps every partition within 1 of the others after any number of decisions', () => {
    fc.assert(
      fc.property(anyChanges, fc.integer({ min: 1, max: 40 }), (events, n) => {
        const rr = new RoundRobinStrategy(ungrouped, n);
        const counts = new Array<number>(n).fill(0);
        for (const event of events) {
          counts[rr.route(event)]!++;
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
        expect(counts.reduce((a, b) => a + b, 0)).toBe(events.length);
      }),
    );
  });

  it('refuses grouped queries and global aggregates with a reason and an alternative', () => {
    for (const query of [byTenant, byStatus, globalAggregate]) {
      const error = errorOf(() => new RoundRobinStrategy(query, 4));
      expect(error.code).toBe('0A000');
      expect(error.message).toMatch(/^round_robin cannot serve the query on orders grouped by/);
      expect(error.message).toMatch(/use always_hash or smart/);
    }
    expect(errorOf(() => createStrategy({ strategy: 'round_robin' }, byTenant, 2)).message).toMatch(
      /grouped by "tenant_id"/,
    );
  });
});

describe('Sticky', () => {
  it('keeps the source partition and refuses groups that span shards', () => {
    const sticky = new StickyStrategy(byTenantAndStatus, 4);
    expect(sticky.routeRow(6, { tenant_id: 1, status: 'x' })).toBe(2);
    expect(new StickyStrategy(unsharded, 3).routeRow(4, {})).toBe(1);
    const error = errorOf(() => new StickyStrategy(byStatus, 4));
    expect(error.code).toBe('0A000');
    expect(error.message).toMatch(/sharded by "tenant_id".*use smart/);
    expect(errorOf(() => new StickyStrategy({ ...byTenant, sourcePartitionKey: [] }, 4)).message).toMatch(
      /has no shard key/,
    );
  });
});

describe('AlwaysHash', () => {
  it('hashes a subset of the group columns when asked, and refuses columns outside the group', () => {
    const coarse = new AlwaysHashStrategy(byTenantAndStatus, 8, { key: ['tenant_id'] });
    const byKey = keyPartitioner({ columns: ['tenant_id'], hasher: 'postgres', partitions: 8 });
    for (let t = 0; t < 50; t++)
      expect(coarse.routeRow(0, { tenant_id: t, status: 'x' })).toBe(byKey.ofKey([t]));
    const error = errorOf(() => new AlwaysHashStrategy(byStatus, 8, { key: ['tenant_id'] }));
    expect(error.message).toMatch(/cannot hash by "tenant_id".*grouped by "status"/);
  });

  it('hashes the shard key of an ungrouped query, and refuses one with no key at all', () => {
    const strategy = new AlwaysHashStrategy(ungrouped, 8);
    const byKey = keyPartitioner({ columns: ['tenant_id'], hasher: 'postgres', partitions: 8 });
    expect(strategy.routeRow(3, { tenant_id: 77 })).toBe(byKey.ofKey([77]));
    expect(errorOf(() => new AlwaysHashStrategy(unsharded, 8)).message).toMatch(
      /key: \[\.\.\.\] or use round_robin/,
    );
    expect(new AlwaysHashStrategy(unsharded, 8, { key: ['id'] }).routeRow(0, { id: 77 })).toBe(
      byKey.ofKey([77]),
    );
  });

  it('routes a batch as one route at a time, and times it', () => {
    fc.assert(
      fc.property(anyChanges, (events) => {
        const batch = new AlwaysHashStrategy(byStatus, 5);
        const single = new AlwaysHashStrategy(byStatus, 5);
        const out = new Int32Array(events.length);
        batch.routeBatch(events, routableEventAccess, out);
        expect([...out]).toEqual(events.map((e) => single.route(e)));
        expect(batch.metrics.timedDecisions).toBe(events.length);
        expect(batch.metrics.routed).toBe(events.length);
        expect(batch.metrics.routeNanos).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('change capture events', () => {
  it('route by the new row, the old row of a delete, and refuse a truncate', () => {
    const strategy = new AlwaysHashStrategy(byStatus, 16);
    const paid = strategy.routeKey(0, ['paid']);
    const changes = [
      { shardId: 3, old: null, new: { status: 'paid' } },
      { shardId: 1, old: { status: 'new' }, new: { status: 'paid' } },
      { shardId: 2, old: { status: 'paid' }, new: null },
    ];
    const out = new Int32Array(3);
    strategy.routeBatch(changes, changeEventAccess, out);
    expect([...out]).toEqual([paid, paid, paid]);
    expect(new StickyStrategy(byTenant, 2).routeRow(changeEventAccess.shard(changes[0]!), {})).toBe(1);
    expect(() => rowOfChange({ old: null, new: null })).toThrow(/truncate/);
  });
});

describe('streamQueryFor', () => {
  const rule: TableRule = {
    kind: 'sharded',
    shardKey: ['tenant_id'],
    keyTypes: ['int8'],
    hasher: 'postgres',
    resolver: { type: 'hash' },
  };

  it('reads the source partition key and key types from the table rule', () => {
    expect(streamQueryFor('orders', ['tenant_id'], rule)).toEqual(byTenant);
    expect(streamQueryFor('orders', ['status'], rule)).toEqual(byStatus);
    expect(streamQueryFor('orders', null, rule)).toEqual(ungrouped);
    expect(streamQueryFor('plans', ['tier'], { kind: 'reference' }).sourcePartitionKey).toEqual([]);
    expect(isSourceAligned(streamQueryFor('orders', ['status', 'tenant_id'], rule))).toBe(true);
    expect(isSourceAligned(streamQueryFor('orders', [], rule))).toBe(false);
    expect(isSourceAligned(streamQueryFor('local', ['a'], undefined))).toBe(false);
  });
});
