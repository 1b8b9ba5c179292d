// A cluster started from configuration, embedded and on real PostgreSQL shards: the sample data lands
// on the shard the keyspace says (JavaScript routing and the shards' SQL CHECK constraints agree), a
// misrouted row is refused by the shard, nothing is lost across a restart, and the shards together
// hold exactly what one unsharded database holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig } from '../../src/cluster/config.js';
import { installSampleData } from '../../src/cluster/install-sample-data.js';
import { sampleRowCounts, sampleSchemaSql, sampleTables } from '../../src/cluster/sample-data.js';
import { hasherFor } from '../../src/keyspace/hasher-for.js';
import { ShardMap } from '../../src/keyspace/shard-map.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cluster-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Row counts of the sample's sharded tables summed over shards; the reference table's count per shard. */
async function totals(cluster: Cluster): Promise<Record<string, number>> {
  const sums: Record<string, number> = { plans: sampleRowCounts.plans! };
  for (const backend of cluster.backends()) {
    const { rows } = await backend.query('select count(*) from plans');
    expect(Number(rows[0]?.[0])).toBe(sampleRowCounts.plans);
    for (const table of Object.keys(sampleRowCounts).filter((t) => t !== 'plans')) {
      const { rows } = await backend.query(`select count(*) from ${table}`);
      sums[table] = (sums[table] ?? 0) + Number(rows[0]?.[0]);
    }
  }
  return sums;
}

/** Every tenant id on every shard is one the catalog's shard map routes to that shard. */
async function expectTenantsWhereRouted(cluster: Cluster, catalog: Catalog): Promise<void> {
  const map = ShardMap.fromShards(catalog.shards);
  const hasher = hasherFor('postgres');
  for (const shard of catalog.shards) {
    const { rows } = await cluster.backend(shard.name).query('select id from tenants');
    expect(rows.length).toBeGreaterThan(0);
    for (const [id] of rows) expect(map.shardOf(hasher.point(['int8'], [id as string]))).toBe(shard.id);
  }
}

describe('embedded cluster', () => {
  const dataDir = tempDir();
  const config = parseConfig({ shards: 3, dataDir, tables: sampleTables });

  it('creates the sample once, routes every row where the keyspace says, and survives a restart', async () => {
    let cluster = await Cluster.start(config);
    try {
      expect(cluster.embedded).toBe(true);
      expect(cluster.shards().map((s) => s.primary)).toEqual([
        'pglite://shards/s0',
        'pglite://shards/s1',
        'pglite://shards/s2',
      ]);
      expect(await installSampleData(cluster)).toBe('created');
      expect(await totals(cluster)).toEqual(sampleRowCounts);
      await expectTenantsWhereRouted(cluster, cluster.catalog.current());
    } finally {
      await cluster.stop();
    }
    cluster = await Cluster.start(config);
    try {
      expect(await installSampleData(cluster)).toBe('present');
      expect(await totals(cluster)).toEqual(sampleRowCounts);
    } finally {
      await cluster.stop();
    }
  });

  it('refuses a row on a shard that does not own its key (CHECK constraint on the hash range)', async () => {
    const cluster = await Cluster.start(config);
    try {
      const catalog = cluster.catalog.current();
      const map = ShardMap.fromShards(catalog.shards);
      const owner = map.shardOf(hasherFor('postgres').point(['int8'], [5001]));
      const wrong = catalog.shards.find((s) => s.id !== owner)!;
      const right = catalog.shards.find((s) => s.id === owner)!;
      const insert = "insert into tenants values (5001, 'x', 1, 'eu-west', now())";
      await expect(cluster.backend(wrong.name).query(insert)).rejects.toMatchObject({
        code: '23514',
        message: expect.stringContaining('tenants_switchyard_range'),
      });
      await cluster.backend(right.name).query(insert);
      await cluster.backend(right.name).query('delete from tenants where id = 5001');
    } finally {
      await cluster.stop();
    }
  });

  it('places shards on a vnode ring when the layout asks for one', async () => {
    const ring = parseConfig({
      shards: 4,
      dataDir: tempDir(),
      layout: { type: 'ring', vnodes: 32 },
      tables: sampleTables,
    });
    const cluster = await Cluster.start(ring);
    try {
      const catalog = cluster.catalog.current();
      expect(catalog.shards.every((s) => s.ranges.length >= 16)).toBe(true);
      await installSampleData(cluster);
      expect(await totals(cluster)).toEqual(sampleRowCounts);
      await expectTenantsWhereRouted(cluster, catalog);
    } finally {
      await cluster.stop();
    }
  });

  it('adds tables that a later configuration names, keeping the catalog authoritative', async () => {
    const cluster = await Cluster.start({
      ...config,
      tables: { ...config.tables, events: { shardKey: 'tenant_id' } },
    });
    try {
      const catalog = cluster.catalog.current();
      expect(catalog.tables.events).toMatchObject({ kind: 'sharded', shardKey: ['tenant_id'] });
      expect(catalog.tables.tenants).toMatchObject({ kind: 'sharded', keyTypes: ['int8'] });
      expect(catalog.version).toBeGreaterThan(1);
    } finally {
      await cluster.stop();
    }
  });
});

describeWithPostgres('distributed cluster', () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url());
    await admin.connect();
    for (const db of ['shard_a', 'shard_b', 'shard_c', 'catalog', 'oracle'])
      await admin.query(`create database ${db}`);
    await admin.end();
  });
  afterAll(() => server?.stop());

  it('runs the same sample on PostgreSQL shards, and together they equal one unsharded database', async () => {
    const config = parseConfig({
      dataDir: tempDir(),
      shards: ['shard_a', 'shard_b', 'shard_c'].map((db) => ({ name: db, primary: server.url(db) })),
      catalog: { url: server.url('catalog') },
      tables: sampleTables,
    });
    const cluster = await Cluster.start(config);
    const oracle = new pg.Client(server.url('oracle'));
    await oracle.connect();
    try {
      expect(cluster.embedded).toBe(false);
      expect(await installSampleData(cluster)).toBe('created');
      expect(await totals(cluster)).toEqual(sampleRowCounts);
      await expectTenantsWhereRouted(cluster, cluster.catalog.current());

      await oracle.query(sampleSchemaSql(undefined, undefined));
      for (const table of ['tenants', 'users', 'tasks']) {
        const sharded: string[] = [];
        for (const backend of cluster.backends()) {
          const { rows } = await backend.query(`select t::text from ${table} t`);
          sharded.push(...rows.map((r) => r[0] as string));
        }
        const whole = await oracle.query({ text: `select t::text from ${table} t`, rowMode: 'array' });
        expect(sharded.sort()).toEqual(whole.rows.map((r) => r[0] as string).sort());
      }
    } finally {
      await oracle.end();
      await cluster.stop();
    }
    // The catalog lives in PostgreSQL: a second start finds it and the data.
    const again = await Cluster.start(config);
    try {
      expect(again.catalog.current().version).toBe(1);
      expect(await installSampleData(again)).toBe('present');
    } finally {
      await again.stop();
    }
  });
});
