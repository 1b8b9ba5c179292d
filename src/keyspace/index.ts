// The keyspace's public surface: hashers, the shard map and its layouts, and the resolvers.
export { canonicalKey } from './canonical-key.js';
export { equalRanges, equalShardMap } from './equal-ranges.js';
export { HashRangeResolver } from './hash-range-resolver.js';
export type { ColumnHashFn, Hasher } from './hasher.js';
export { hasherFor } from './hasher-for.js';
export { bufferToBigInt, newPointBuffer, toBigInt } from './int64.js';
export { HASH_PARTITION_SEED } from './jenkins-hash.js';
export { jumpHash, jumpHashHalves } from './jump-hash.js';
export { KeyErrorCode } from './key-errors.js';
export { HASH_END, HASH_MIN, type KeyRange } from './key-range.js';
export { HASHER_NAMES, type HasherName, KEY_TYPES, type KeyType, type KeyValue } from './key-type.js';
export { type DirectoryFetch, type LookupOptions, LookupResolver } from './lookup-resolver.js';
export { LruCache } from './lru-cache.js';
export { mergeRanges } from './merge-ranges.js';
export { kafkaPartition, murmur2 } from './murmur2.js';
export { Murmur2Hasher } from './murmur2-hasher.js';
export { murmur3x64_128, murmur3x86_32 } from './murmur3.js';
export { Murmur3Hasher } from './murmur3-hasher.js';
export { PostgresHasher } from './postgres-hasher.js';
export {
  HASH_COMBINE64_FUNCTION,
  HASH_COMBINE64_FUNCTION_SQL,
  postgresColumnHashSql,
  postgresPointSql,
} from './postgres-point-sql.js';
export { type RangeBound, RangeResolver } from './range-resolver.js';
export { type ShardId, ShardMap, type ShardRange, type ShardRanges } from './shard-map.js';
export type { ShardResolver } from './shard-resolver.js';
export { type SplitOptions, splitRange } from './split-range.js';
export { compareUtf8 } from './text-key.js';
export { canonicalUuid } from './uuid-key.js';
export {
  addToRing,
  type RingOptions,
  type RingShard,
  removeFromRing,
  tokenPosition,
  vnodeRing,
} from './vnode-ring.js';
