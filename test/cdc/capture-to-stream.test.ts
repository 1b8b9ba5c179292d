// Change capture feeding stream partitioning: the events a consumer reads from every embedded shard
// (writes made through Switchyard's front end) are pushed through a PartitionedProcessor on worker
// threads with the strategy `switchyard.yaml` selects. Every change is handled exactly once, each
// tenant's changes on one partition in commit order; with SmartRepartition on a stream grouped by the
// shard key every decision takes the zero-cost path (the shard is the partition), and AlwaysHash puts
// each tenant where its hash says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/cdc/change-event.js';
import { parseConfig } from '../../src/cluster/config.js';
import { strategyForWorkload } from '../../src/stream/create-strategy.js';
import { PartitionedProcessor } from '../../src/stream/partitioned-processor.js';
import { changeEventAccess } from '../../src/stream/routable-event.js';
import { streamQueryFor } from '../../src/stream/stream-query.js';
import { type CapturedSwitchyard, startCapturedSwitchyard } from './support/captured-switchyard.js';
import { ChangeReplica } from './support/change-replica.js';
import { Followers, markerTableSql } from './support/followers.js';
import { accountsTableSql, runWorkload } from './support/workload.js';

const handler = {
  module: new URL('./support/tenant-changes-handler.ts', import.meta.url),
  export: 'tenantChanges',
  options: {},
};

interface Handled {
  readonly partition: number;
  readonly seq: number;
  readonly value: { shard: string; position: string; op: string; tenant: string };
}

describe('change capture → stream partitioning (embedded shards)', () => {
  let sy: CapturedSwitchyard;
  let events: ChangeEvent[];

  beforeAll(async () => {
    sy = await startCapturedSwitchyard(
      { kind: 'embedded', shards: 4 },
      { consumers: ['views'], tables: { accounts: { shardKey: 'tenant_id', keyType: 'int8' } } },
    );
    const client = await sy.client();
    await client.query(accountsTableSql);
    for (const shard of sy.cluster.backends()) await shard.exec(markerTableSql);
    const views = new Followers(sy.cluster, 'views', new ChangeReplica({ accounts: ['tenant_id', 'id'] }));
    await runWorkload(client, 21, 200);
    await views.sync();
    await views.stop();
    events = views.received.filter((e) => e.table === 'accounts' && e.op !== 'truncate');
  }, 120_000);
  afterAll(() => sy?.stop());

  async function run(
    workload: string,
  ): Promise<{ handled: Handled[]; processor: PartitionedProcessor<ChangeEvent> }> {
    const stream = parseConfig({
      shards: 1,
      stream: { partitions: 2, workloads: { by_tenant: { strategy: 'smart' }, hashed: 'always_hash' } },
    }).stream;
    const rule = sy.cluster.catalog.current().tables.accounts;
    const strategy = strategyForWorkload(stream, workload, streamQueryFor('accounts', ['tenant_id'], rule));
    const handled: Handled[] = [];
    const processor = new PartitionedProcessor<ChangeEvent>({
      strategy,
      handler,
      access: changeEventAccess,
      batchSize: 16,
      onOutput: (partition, seq, value) => handled.push({ partition, seq, value: value as Handled['value'] }),
    });
    for (const event of events) {
      const full = processor.push(event);
      if (full) await full;
    }
    await processor.drain();
    await processor.close();
    return { handled, processor };
  }

  function expectEachOnceInTenantOrder(handled: readonly Handled[]): Map<string, number> {
    expect(handled.length).toBe(events.length);
    expect(new Set(handled.map((h) => `${h.value.shard}/${h.value.position}`)).size).toBe(events.length);
    const partitionOf = new Map<string, number>();
    const lastPosition = new Map<string, string>();
    for (const h of [...handled].sort((a, b) => a.partition - b.partition || a.seq - b.seq)) {
      const tenant = h.value.tenant;
      const before = partitionOf.get(tenant);
      if (before !== undefined) expect(h.partition).toBe(before);
      partitionOf.set(tenant, h.partition);
      const previous = lastPosition.get(tenant);
      if (previous !== undefined) expect(h.value.position > previous).toBe(true);
      lastPosition.set(tenant, h.value.position);
    }
    return partitionOf;
  }

  it('SmartRepartition: each change once, per tenant in commit order, every decision zero-cost', async () => {
    expect(events.length).toBeGreaterThan(100);
    const { handled, processor } = await run('by_tenant');
    const partitionOf = expectEachOnceInTenantOrder(handled);
    const shardOfTenant = new Map(events.map((e) => [String((e.new ?? e.old)?.tenant_id), e.shardId]));
    for (const [tenant, partition] of partitionOf)
      expect(partition).toBe((shardOfTenant.get(tenant) ?? -1) % 2);
    const metrics = processor.metrics().strategy;
    expect(metrics.strategy).toBe('smart');
    expect(metrics.zeroCostShare).toBe(1);
  }, 60_000);

  it('AlwaysHash: each change once, per tenant in commit order, on the partition its hash gives', async () => {
    const { handled, processor } = await run('hashed');
    const partitionOf = expectEachOnceInTenantOrder(handled);
    const check = strategyForWorkload(
      parseConfig({ shards: 1, stream: { partitions: 2 } }).stream,
      'any',
      streamQueryFor('accounts', ['tenant_id'], sy.cluster.catalog.current().tables.accounts),
    );
    for (const [tenant, partition] of partitionOf)
      expect(partition).toBe(check.routeKey(0, [BigInt(tenant)]));
    expect(processor.metrics().strategy.strategy).toBe('always_hash');
  }, 60_000);
});
