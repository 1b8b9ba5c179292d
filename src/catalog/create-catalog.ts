// A cluster's first catalog, from its shards (with the ranges a keyspace layout gave them) and its
// table rules.
import type { KeyRange } from '../keyspace/key-range.js';
import type { Catalog, ShardInfo, ShardStatus, TableRule } from './catalog.js';
import { deepFreeze } from './deep-freeze.js';
import { validateCatalog } from './validate-catalog.js';

/** A shard of a new catalog; `id` defaults to its position, `replicas` to none, `status` to active. */
export interface ShardSpec {
  readonly id?: number;
  readonly name: string;
  readonly ranges: readonly KeyRange[];
  readonly primary: string;
  readonly replicas?: readonly string[];
  readonly status?: ShardStatus;
}

/** What a new catalog is made of. */
export interface NewCatalog {
  readonly shards: readonly ShardSpec[];
  /** Table rules by table name; default none (every table unsharded, on the home shard). */
  readonly tables?: Readonly<Record<string, TableRule>>;
  /** Shard holding unsharded tables; default the first shard. */
  readonly homeShard?: string;
  /** Time of creation; default now. */
  readonly now?: Date;
}

/**
 * A validated, frozen catalog at version 1 (each shard at version 1), ready for the first
 * `store.save(catalog, undefined)`.
 *
 * @example
 *   const catalog = createCatalog({
 *     shards: [
 *       { name: 's0', ranges: [{ start: HASH_MIN, end: 0n }], primary: 'pglite://./data/s0' },
 *       { name: 's1', ranges: [{ start: 0n, end: HASH_END }], primary: 'pglite://./data/s1' },
 *     ],
 *     tables: { users: shardedTable('id'), orders: colocatedTable('user_id', 'users', shardedTable('id')) },
 *   });
 * @throws CatalogError listing every problem (gaps, overlaps, unknown shards, bad rules, …).
 */
export function createCatalog(spec: NewCatalog): Catalog {
  const shards = spec.shards.map(
    (shard, i): ShardInfo => ({
      id: shard.id ?? i,
      name: shard.name,
      ranges: shard.ranges.map((range) => ({ start: range.start, end: range.end })),
      primary: shard.primary,
      replicas: [...(shard.replicas ?? [])],
      status: shard.status ?? 'active',
      version: 1,
    }),
  );
  const catalog: Catalog = {
    version: 1,
    shards,
    tables: { ...spec.tables },
    homeShard: spec.homeShard ?? shards[0]?.name ?? '',
    updatedAt: (spec.now ?? new Date()).toISOString(),
  };
  return deepFreeze(validateCatalog(catalog, 'new catalog'));
}
