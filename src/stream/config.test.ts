import { describe, expect, it } from 'vitest';
import { ConfigError } from '../util/errors.js';
import { parseStreamConfig, parseStreamYaml, partitionsFor, workloadStrategy } from './config.js';
import { strategyForWorkload } from './create-strategy.js';
import type { StreamQuery } from './stream-query.js';

function problemsOf(yaml: string): readonly string[] {
  try {
    parseStreamYaml(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const byTenant: StreamQuery = {
  table: 'orders',
  grouped: true,
  groupBy: ['tenant_id'],
  sourcePartitionKey: ['tenant_id'],
};

describe('stream configuration', () => {
  it('reads a stream: section with per-workload strategies and fills in defaults', () => {
    const config = parseStreamYaml(`
listen: { postgres: 127.0.0.1:6432 }
stream:
  partitions: 4
  workloads:
    revenue_by_tenant: { strategy: smart }
    orders_to_kafka: { strategy: always_hash, hash: murmur2, key: tenant_id, partitions: 12 }
    audit_export: round_robin
    per_shard_copy: { strategy: sticky }
`);
    expect(config.partitions).toBe(4);
    expect(config.queueCapacity).toBe(8192);
    expect(config.batchSize).toBe(256);
    expect(config.default).toEqual({ strategy: 'always_hash', hash: 'postgres' });
    expect(config.workloads).toEqual({
      revenue_by_tenant: { strategy: 'smart', hash: 'postgres' },
      orders_to_kafka: { strategy: 'always_hash', hash: 'murmur2', key: ['tenant_id'], partitions: 12 },
      audit_export: { strategy: 'round_robin' },
      per_shard_copy: { strategy: 'sticky' },
    });
    expect(workloadStrategy(config, 'orders_to_kafka').partitions).toBe(12);
    expect(workloadStrategy(config, 'unlisted')).toBe(config.default);
    expect(partitionsFor(config, workloadStrategy(config, 'revenue_by_tenant'))).toBe(4);
  });

  it('builds each workload its strategy and refuses one that cannot serve the query', () => {
    const config = parseStreamConfig({
      workloads: {
        revenue: { strategy: 'smart' },
        audit: 'round_robin',
        kafka: { strategy: 'always_hash', hash: 'murmur2' },
      },
      partitions: 3,
    });
    const smart = strategyForWorkload(config, 'revenue', byTenant);
    expect(smart.name).toBe('smart');
    expect(smart.sourceOnly).toBe(true);
    expect(smart.partitions).toBe(3);
    expect(strategyForWorkload(config, 'other', byTenant).name).toBe('always_hash');
    expect(strategyForWorkload(config, 'kafka', byTenant).routeRow(0, { tenant_id: 42 })).toBe(
      // kafkajs: toPositive(murmur2('42')) % 3; murmur2('42') is checked against kafkajs elsewhere.
      strategyForWorkload(config, 'kafka', byTenant).routeKey(5, ['42']),
    );
    expect(() => strategyForWorkload(config, 'audit', byTenant)).toThrow(/round_robin cannot serve/);
  });

  it('names the path and the expectation of every mistake', () => {
    expect(
      problemsOf(`
stream:
  partitions: 0
  queueCapacity: lots
  batchsize: 10
  workloads:
    a: { strategy: smarty }
    b: { hash: murmur2 }
    c: { strategy: always_hash, hash: fnv, key: [] }
    d: { strategy: round_robin, key: [id] }
    e: { strategy: smart, partitions: 2.5 }
`),
    ).toEqual([
      'stream.partitions: expected a whole number of partitions from 1 to 65536',
      'stream.queueCapacity: expected number, received string',
      'stream.workloads.a.strategy: expected strategy: always_hash, smart, round_robin or sticky',
      'stream.workloads.b.strategy: expected strategy: always_hash, smart, round_robin or sticky',
      'stream.workloads.c.hash: expected one of postgres, murmur3, murmur2 (murmur2 picks the partitions a Kafka producer would)',
      'stream.workloads.c.key: expected at least one column',
      'stream.workloads.d.key: round_robin does not read keys; remove key',
      'stream.workloads.e.partitions: expected a whole number of partitions from 1 to 65536',
      'stream.batchsize: unknown field (check its spelling and indentation)',
    ]);
  });

  it("answers seed 003's keys with what to write instead", () => {
    expect(
      problemsOf(`
stream:
  partitioning_strategy: smart
  workloads:
    trading: { strategy: smart, source_partition_key: trader_id, alignment_threshold: 0.95 }
    analytics: { strategy: always_hash, hash_function: fnv }
`),
    ).toEqual([
      "stream.workloads.trading.source_partition_key: not needed: the source partition key is the table's shard key, read from the catalog",
      "stream.workloads.trading.alignment_threshold: not needed: smart knows alignment exactly from the table's shard key and the GROUP BY columns",
      'stream.workloads.analytics.hash_function: write hash: postgres | murmur3 | murmur2 instead',
      'stream.partitioning_strategy: write default: { strategy: … } or workloads: { <name>: { strategy: … } } instead',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseStreamYaml('stream:\n  partitions: [1,\n')).toThrow(/not valid YAML at line/);
  });
});
