// The default resolver: hash the key to a point, then find the range of the shard map holding it.
import { SwitchyardError } from '../util/errors.js';
import type { ColumnHashFn, Hasher } from './hasher.js';
import { toBigInt } from './int64.js';
import type { KeyType, KeyValue } from './key-type.js';
import type { ShardId, ShardMap } from './shard-map.js';
import type { ShardResolver } from './shard-resolver.js';

/**
 * Resolves keys by hash: `map.shardOf(hasher.point(keyTypes, values))`, without allocating or using
 * BigInt per call. Immutable; `withMap` gives a resolver for a new shard map.
 *
 * @example
 *   const resolver = new HashRangeResolver(hasherFor('postgres'), ['int8'], equalShardMap([0, 1, 2, 3]));
 *   resolver.shardOf('42'); // 3
 */
export class HashRangeResolver implements ShardResolver {
  readonly kind = 'hash' as const;
  private readonly single: ColumnHashFn | undefined;
  private readonly point = new Int32Array(2);

  constructor(
    readonly hasher: Hasher,
    readonly keyTypes: readonly KeyType[],
    readonly map: ShardMap,
  ) {
    if (keyTypes.length === 0) throw new SwitchyardError('22023', 'a shard key needs at least one column');
    this.single = keyTypes.length === 1 ? hasher.columnHash(keyTypes[0]!) : undefined;
    // Fail now, not on the first row, for a key type the hasher cannot hash.
    for (const type of keyTypes) hasher.columnHash(type);
  }

  shardOf(value: KeyValue): ShardId {
    const hash = this.single;
    if (!hash) {
      throw new SwitchyardError(
        '22023',
        `the shard key has ${this.keyTypes.length} columns; pass one value per column to shardOfKey`,
      );
    }
    const point = this.point;
    hash(value, point);
    return this.map.shardOfPoint(point[0]!, point[1]!);
  }

  shardOfKey(values: readonly KeyValue[]): ShardId {
    const point = this.point;
    this.hasher.pointInto(this.keyTypes, values, point);
    return this.map.shardOfPoint(point[0]!, point[1]!);
  }

  /** The point of a key in the hash space (what a shard computes in SQL for its rows). */
  pointOf(values: readonly KeyValue[]): bigint {
    this.hasher.pointInto(this.keyTypes, values, this.point);
    return toBigInt(this.point[0]!, this.point[1]!);
  }

  /** The same resolver over another shard map (after a split, merge or move). */
  withMap(map: ShardMap): HashRangeResolver {
    return new HashRangeResolver(this.hasher, this.keyTypes, map);
  }
}
