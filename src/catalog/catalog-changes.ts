// The changes a control plane makes to a catalog, as pure functions: each returns a new frozen
// catalog with the version bumped and `updatedAt` set (and each changed shard's version bumped), and
// leaves its input untouched. They check the names they are given; the store validates the whole
// catalog on save, so several changes can be chained before saving.
import type { KeyRange } from '../keyspace/key-range.js';
import type { Catalog, ShardInfo, ShardStatus, TableRule } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import type { ShardSpec } from './create-catalog.js';
import { deepFreeze } from './deep-freeze.js';

/** The next version of `catalog` with `shards` and `tables` replaced where given. */
function bump(catalog: Catalog, change: Partial<Pick<Catalog, 'shards' | 'tables'>>, now: Date): Catalog {
  return deepFreeze({
    ...catalog,
    ...change,
    version: catalog.version + 1,
    updatedAt: now.toISOString(),
  });
}

function shardIndex(catalog: Catalog, name: string): number {
  const index = catalog.shards.findIndex((shard) => shard.name === name);
  if (index < 0) {
    throw new CatalogError(
      `unknown shard "${name}" in catalog version ${catalog.version}; expected one of ${catalog.shards.map((s) => s.name).join(', ')}`,
    );
  }
  return index;
}

function updateShard(catalog: Catalog, name: string, change: Partial<ShardInfo>, now: Date): Catalog {
  const index = shardIndex(catalog, name);
  const shards = catalog.shards.map((shard, i) =>
    i === index ? { ...shard, ...change, version: shard.version + 1 } : shard,
  );
  return bump(catalog, { shards }, now);
}

/**
 * Sets a shard's status, e.g. `readonly` before a cutover, `inactive` to retire it.
 *
 * @throws CatalogError when no shard is called `shardName`.
 */
export function withShardStatus(
  catalog: Catalog,
  shardName: string,
  status: ShardStatus,
  now = new Date(),
): Catalog {
  return updateShard(catalog, shardName, { status }, now);
}

/**
 * Sets where a shard's primary and replicas are (after a failover or a replica change); a field
 * left out is kept.
 *
 * @throws CatalogError when no shard is called `shardName`.
 */
export function withShardEndpoints(
  catalog: Catalog,
  shardName: string,
  endpoints: { readonly primary?: string; readonly replicas?: readonly string[] },
  now = new Date(),
): Catalog {
  return updateShard(
    catalog,
    shardName,
    {
      ...(endpoints.primary !== undefined ? { primary: endpoints.primary } : {}),
      ...(endpoints.replicas !== undefined ? { replicas: [...endpoints.replicas] } : {}),
    },
    now,
  );
}

/**
 * Adds a shard (typically the target of a split: no ranges yet, status `migrating`). Its id
 * defaults to one more than the largest id; shards are never removed (retire one by marking it
 * `inactive` with no ranges), so an id is never reused.
 *
 * @throws CatalogError when a shard with that name already exists.
 */
export function withShard(catalog: Catalog, shard: ShardSpec, now = new Date()): Catalog {
  if (catalog.shards.some((existing) => existing.name === shard.name)) {
    throw new CatalogError(
      `shard "${shard.name}" already exists in catalog version ${catalog.version}; choose another name`,
    );
  }
  const added: ShardInfo = {
    id: shard.id ?? Math.max(-1, ...catalog.shards.map((s) => s.id)) + 1,
    name: shard.name,
    ranges: shard.ranges.map((range) => ({ start: range.start, end: range.end })),
    primary: shard.primary,
    replicas: [...(shard.replicas ?? [])],
    status: shard.status ?? 'active',
    version: 1,
  };
  return bump(catalog, { shards: [...catalog.shards, added] }, now);
}

/**
 * Gives the named shards new ranges in one step (the cutover of a split or a merge); shards not
 * named keep theirs. Pass every shard whose ranges change, so the result still tiles the keyspace.
 *
 * @example
 *   replaceRanges(catalog, { s0: [{ start: HASH_MIN, end: -1000n }], s4: [{ start: -1000n, end: 0n }] })
 * @throws CatalogError when a name is not a shard.
 */
export function replaceRanges(
  catalog: Catalog,
  rangesByShard: Readonly<Record<string, readonly KeyRange[]>>,
  now = new Date(),
): Catalog {
  const changed = new Map(
    Object.entries(rangesByShard).map(([name, ranges]) => [shardIndex(catalog, name), ranges]),
  );
  const shards = catalog.shards.map((shard, i) => {
    const ranges = changed.get(i);
    return ranges === undefined
      ? shard
      : { ...shard, ranges: ranges.map((r) => ({ start: r.start, end: r.end })), version: shard.version + 1 };
  });
  return bump(catalog, { shards }, now);
}

/** Adds or replaces the rule of table `name`. */
export function withTable(catalog: Catalog, name: string, rule: TableRule, now = new Date()): Catalog {
  return bump(catalog, { tables: { ...catalog.tables, [name]: rule } }, now);
}

/**
 * Removes the rule of table `name` (the table becomes unsharded, on the home shard).
 *
 * @throws CatalogError when the catalog has no rule for `name`.
 */
export function withoutTable(catalog: Catalog, name: string, now = new Date()): Catalog {
  if (!Object.hasOwn(catalog.tables, name)) {
    throw new CatalogError(`catalog version ${catalog.version} has no table "${name}"; nothing to remove`);
  }
  const { [name]: _removed, ...tables } = catalog.tables;
  return bump(catalog, { tables }, now);
}
