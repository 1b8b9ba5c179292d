// The pluggable hash function of the keyspace: maps a shard key to a point of the signed 64-bit hash
// space. Implementations (PostgresHasher, Murmur3Hasher, Murmur2Hasher) only say how one column value
// hashes; how the columns of a multi-column key combine is fixed here, the same for all of them.
import { SwitchyardError } from '../util/errors.js';
import { hashCombine64Into, toBigInt } from './int64.js';
import type { HasherName, KeyType, KeyValue } from './key-type.js';

/**
 * Hashes one column value of a fixed type, writing the point's high 32 bits (signed) to `out[0]` and
 * its low 32 bits to `out[1]`. Allocates nothing and uses no BigInt on its common paths; throws a
 * SwitchyardError (22P02, 22003, 22021 or 22004) for a value that is not valid for the type.
 */
export type ColumnHashFn = (value: KeyValue, out: Int32Array) => void;

/**
 * Maps shard key values to points of the signed 64-bit hash space.
 *
 * The point of a single-column key is the column's hash. The point of a multi-column key is the fold
 * `hash_combine64(...hash_combine64(hash_combine64(0, h1), h2)..., hn)` of its column hashes, as
 * PostgreSQL's compute_partition_hash_value forms one hash from several partition columns.
 *
 * @example
 *   const hasher = hasherFor('postgres');
 *   hasher.point(['int8'], [42]); // 7363975540656877951n, = hashint8extended(42, 8816678312871386365)
 *   const hash = hasher.columnHash('int8'); // hot path
 *   hash('42', out); // out[0], out[1] = the same point's halves
 */
export interface Hasher {
  readonly name: HasherName;
  /** The hash function for values of `type`, for hot loops (see ColumnHashFn). */
  columnHash(type: KeyType): ColumnHashFn;
  /** The point of a key given as one value per shard key column, in column order. */
  point(types: readonly KeyType[], values: readonly KeyValue[]): bigint;
  /** `point` without BigInt: writes the point's halves into `out` (see ColumnHashFn). */
  pointInto(types: readonly KeyType[], values: readonly KeyValue[], out: Int32Array): void;
}

/** The entry of `byType` for `type`, or a 0A000 error naming the unsupported type. */
export function columnHashFor(byType: Readonly<Record<KeyType, ColumnHashFn>>, type: KeyType): ColumnHashFn {
  const fn = Object.hasOwn(byType, type) ? byType[type] : undefined;
  if (!fn) {
    throw new SwitchyardError(
      '0A000',
      `shard keys of type ${String(type)} are not supported; use int2, int4, int8, text, varchar or uuid`,
    );
  }
  return fn;
}

/** The column-combining part of every Hasher; subclasses supply `columnHash`. */
export abstract class CombiningHasher implements Hasher {
  abstract readonly name: HasherName;
  abstract columnHash(type: KeyType): ColumnHashFn;
  private readonly column = new Int32Array(2);
  private readonly scratch = new Int32Array(2);

  point(types: readonly KeyType[], values: readonly KeyValue[]): bigint {
    this.pointInto(types, values, this.scratch);
    return toBigInt(this.scratch[0]!, this.scratch[1]!);
  }

  pointInto(types: readonly KeyType[], values: readonly KeyValue[], out: Int32Array): void {
    if (types.length !== values.length || types.length === 0) {
      throw new SwitchyardError(
        '22023',
        types.length === 0
          ? 'a shard key needs at least one column'
          : `the shard key has ${types.length} columns but ${values.length} values were given`,
      );
    }
    if (types.length === 1) {
      this.columnHash(types[0]!)(values[0]!, out);
      return;
    }
    const column = this.column;
    out[0] = 0;
    out[1] = 0;
    for (let i = 0; i < types.length; i++) {
      this.columnHash(types[i]!)(values[i]!, column);
      hashCombine64Into(out, column[0]!, column[1]!);
    }
  }
}
