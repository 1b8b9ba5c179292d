import { describe, expect, it } from 'vitest';
import { HASH_END, HASH_MIN } from '../keyspace/key-range.js';
import type { Catalog } from './catalog.js';
import {
  replaceRanges,
  withoutTable,
  withShard,
  withShardEndpoints,
  withShardStatus,
  withTable,
} from './catalog-changes.js';
import { CatalogError } from './catalog-error.js';
import { referenceTable, shardedTable } from './table-rules.js';
import { testCatalog } from './test-catalogs.js';
import { catalogProblems } from './validate-catalog.js';

const later = new Date('2026-02-03T04:05:06.000Z');
const base = testCatalog(2);

/** Every helper: a new frozen catalog, one version up, updatedAt set, still valid, input untouched. */
function expectBumped(next: Catalog, previous: Catalog = base): void {
  expect(next).not.toBe(previous);
  expect(next.version).toBe(previous.version + 1);
  expect(next.updatedAt).toBe(later.toISOString());
  expect(Object.isFrozen(next) && Object.isFrozen(next.shards) && Object.isFrozen(next.tables)).toBe(true);
  expect(catalogProblems(next)).toEqual([]);
}

describe('catalog changes', () => {
  it('withShardStatus sets one shard status and bumps that shard only', () => {
    const next = withShardStatus(base, 's1', 'readonly', later);
    expectBumped(next);
    expect(next.shards[1]).toEqual({ ...base.shards[1], status: 'readonly', version: 2 });
    expect(next.shards[0]).toBe(base.shards[0]);
    expect(base.shards[1]?.status).toBe('active');
  });

  it('withShardEndpoints moves the primary and replicas, keeping what is not given', () => {
    const failedOver = withShardEndpoints(
      base,
      's0',
      { primary: 'postgres://b/db', replicas: ['postgres://c/db'] },
      later,
    );
    expectBumped(failedOver);
    expect(failedOver.shards[0]).toMatchObject({
      primary: 'postgres://b/db',
      replicas: ['postgres://c/db'],
      version: 2,
    });
    const replicasOnly = withShardEndpoints(failedOver, 's0', { replicas: [] }, later);
    expect(replicasOnly.shards[0]).toMatchObject({ primary: 'postgres://b/db', replicas: [], version: 3 });
  });

  it('withShard adds a shard with the next id; a split then hands it a range', () => {
    const retired = withShardStatus(testCatalog(3), 's2', 'inactive', later); // ids 0..2 stay taken
    const added = withShard(
      retired,
      { name: 's3', ranges: [], primary: 'pglite://data/s3', status: 'migrating' },
      later,
    );
    expectBumped(added, retired);
    expect(added.shards[3]).toEqual({
      id: 3,
      name: 's3',
      ranges: [],
      primary: 'pglite://data/s3',
      replicas: [],
      status: 'migrating',
      version: 1,
    });
    const s0 = added.shards[0]!.ranges[0]!;
    const middle = s0.start + (s0.end - s0.start) / 2n;
    const split = replaceRanges(
      added,
      { s0: [{ start: s0.start, end: middle }], s3: [{ start: middle, end: s0.end }] },
      later,
    );
    expectBumped(split, added);
    expect(split.shards.map((s) => s.version)).toEqual([2, 1, 2, 2]);
    expect(split.shards[1]).toBe(added.shards[1]);
    expect(() => withShard(base, { name: 's1', ranges: [], primary: 'x' })).toThrow(
      /shard "s1" already exists/,
    );
  });

  it('replaceRanges can leave a gap, which validation then names', () => {
    const next = replaceRanges(base, { s0: [{ start: HASH_MIN, end: -1n }] }, later);
    expect(next.version).toBe(2);
    expect(catalogProblems(next)).toEqual([
      expect.stringMatching(/^keyspace: \[-1, 0\) is owned by no shard/),
    ]);
    expect(next.shards[1]?.ranges).toEqual([{ start: 0n, end: HASH_END }]);
  });

  it('withTable adds or replaces a rule; withoutTable removes one', () => {
    const added = withTable(base, 'events', shardedTable('tenant_id'), later);
    expectBumped(added);
    expect(added.tables.events).toEqual(shardedTable('tenant_id'));
    const replaced = withTable(added, 'events', referenceTable(), later);
    expect(replaced.tables.events).toEqual({ kind: 'reference' });
    const removed = withoutTable(replaced, 'events', later);
    expectBumped(removed, replaced);
    expect(Object.keys(removed.tables)).toEqual(Object.keys(base.tables));
    expect(() => withoutTable(base, 'events')).toThrow(/has no table "events"; nothing to remove/);
  });

  it('refuses unknown shard names with the names it knows', () => {
    for (const change of [
      () => withShardStatus(base, 's9', 'readonly'),
      () => withShardEndpoints(base, 's9', { primary: 'x' }),
      () => replaceRanges(base, { s9: [] }),
    ]) {
      expect(change).toThrow(CatalogError);
      expect(change).toThrow('unknown shard "s9" in catalog version 1; expected one of s0, s1');
    }
  });

  it('stamps the current time by default', () => {
    const before = Date.now();
    const next = withShardStatus(base, 's0', 'readonly');
    expect(Date.parse(next.updatedAt)).toBeGreaterThanOrEqual(before);
  });
});
