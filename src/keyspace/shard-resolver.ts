// How a table's shard key finds its shard. Three implementations: HashRangeResolver (hash the key into
// a ShardMap, the default), RangeResolver (by key value) and LookupResolver (a directory table).
import type { KeyValue } from './key-type.js';
import type { ShardId } from './shard-map.js';

/**
 * Maps shard key values to the shard holding their rows. Hash and range resolvers answer
 * synchronously; a lookup resolver answers synchronously from its cache and with a Promise otherwise,
 * so callers on a hot path can test `typeof result === 'number'` and skip an await.
 */
export interface ShardResolver {
  readonly kind: 'hash' | 'range' | 'lookup';
  /** The shard of a single-column key. */
  shardOf(value: KeyValue): ShardId | Promise<ShardId>;
  /** The shard of a key given as one value per shard key column, in column order. */
  shardOfKey(values: readonly KeyValue[]): ShardId | Promise<ShardId>;
}
