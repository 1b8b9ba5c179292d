// The authoritative, versioned description of a cluster: which shards exist, which ranges of the
// hash space each owns, and how every table is placed. Routers cache it; every change bumps
// `version` (optimistic concurrency in the stores).
import type { KeyRange } from '../keyspace/key-range.js';
import type { HasherName, KeyType, KeyValue } from '../keyspace/key-type.js';

/** Lifecycle of a shard: serving (`active`), moving data (`migrating`), writes refused (`readonly`), out of service (`inactive`). */
export type ShardStatus = 'active' | 'migrating' | 'readonly' | 'inactive';

/** One shard: where it runs, which ranges of the hash space it owns, and its lifecycle state. */
export interface ShardInfo {
  /** Stable small integer, never reused; shard maps return it on the hot path. */
  readonly id: number;
  /** Unique human name, e.g. `s0`. */
  readonly name: string;
  /** The ranges of the hash space this shard owns (a ring layout gives it many). */
  readonly ranges: readonly KeyRange[];
  /** Where the primary is: `postgres://…` (distributed) or `pglite://<dir>` (embedded). */
  readonly primary: string;
  /** Read replicas, as connection strings. */
  readonly replicas: readonly string[];
  /** Whether the shard serves reads and writes; see `ShardStatus`. */
  readonly status: ShardStatus;
  /** Bumped whenever this shard's entry changes. */
  readonly version: number;
}

/** How a sharded table's key finds its shard. */
export type ResolverRule =
  /** Hash the key into the shard map's ranges (the default). */
  | { readonly type: 'hash' }
  /**
   * By key value: each bound maps keys `< upTo` (and `>=` the previous bound) to `shard`; the last
   * bound may omit `upTo` to take every larger key.
   */
  | {
      readonly type: 'range';
      readonly bounds: readonly { readonly upTo?: KeyValue; readonly shard: string }[];
    }
  /** A directory table `key → shard name`, read through a bounded cache. */
  | { readonly type: 'lookup'; readonly table: string; readonly cacheSize: number };

/** A table split across shards by its shard key. */
export interface ShardedTableRule {
  readonly kind: 'sharded';
  /** Shard key columns, in order (usually one). */
  readonly shardKey: readonly string[];
  /** Column types of the shard key, once known (learned from CREATE TABLE or the shards' schema). */
  readonly keyTypes?: readonly KeyType[];
  /** The hash function applied to the key (for the `hash` resolver). */
  readonly hasher: HasherName;
  /** How a key finds its shard. */
  readonly resolver: ResolverRule;
  /** Placed with this table: same key type, same placement, so joins on the key stay on one shard. */
  readonly colocateWith?: string;
}

/** A small table copied whole to every shard. */
export interface ReferenceTableRule {
  readonly kind: 'reference';
}

/** How a table is placed; a table the catalog does not name is unsharded, on `Catalog.homeShard`. */
export type TableRule = ShardedTableRule | ReferenceTableRule;

/**
 * The whole cluster description. Build the first one with `createCatalog`, change it with the
 * helpers of `catalog-changes.ts`, check it with `validateCatalog`, keep it in a `CatalogStore`.
 * Catalogs from those functions and from stores are deeply frozen.
 */
export interface Catalog {
  /** Bumped by every change; a store refuses a write based on a stale version. */
  readonly version: number;
  /** Every shard ever added (retired ones stay, `inactive` with no ranges, so ids are never reused). */
  readonly shards: readonly ShardInfo[];
  /** Table rules keyed by table name (`schema.table` or a bare name in `public`). */
  readonly tables: Readonly<Record<string, TableRule>>;
  /** Name of the shard that holds tables the catalog does not name (unsharded tables). */
  readonly homeShard: string;
  /** ISO time of the last change. */
  readonly updatedAt: string;
}
