// The default hasher: PostgreSQL's own extended hash with the hash-partitioning seed, so that a shard
// computes in SQL exactly the point the router computed (a CHECK constraint can reject a misrouted row,
// a resharding copy can select a range with a WHERE clause). Verified bit for bit against PostgreSQL
// 15 and PGlite (PostgreSQL 18) in postgres-hasher.test.ts.
import type { ColumnHashFn } from './hasher.js';
import { CombiningHasher, columnHashFor } from './hasher.js';
import { int32Key, int64KeyInto } from './integer-key.js';
import {
  HASH_PARTITION_SEED,
  hashBytesExtended,
  hashUint32Extended,
  uint32HashState,
} from './jenkins-hash.js';
import type { KeyType, KeyValue } from './key-type.js';
import { utf8Scratch } from './text-key.js';
import { uuidBytesInto } from './uuid-key.js';

const SEED_HI = Number(BigInt.asIntN(32, HASH_PARTITION_SEED >> 32n));
const SEED_LO = Number(BigInt.asIntN(32, HASH_PARTITION_SEED));
const STATE = uint32HashState(HASH_PARTITION_SEED);

const halves = new Int32Array(2);
const uuidBytes = new Uint8Array(16);

/** hashint2extended / hashint4extended: hash_uint32_extended of the value's 32 bits (sign-extended). */
function hashInt2(value: KeyValue, out: Int32Array): void {
  hashUint32Extended(int32Key('int2', value), STATE, out);
}

function hashInt4(value: KeyValue, out: Int32Array): void {
  hashUint32Extended(int32Key('int4', value), STATE, out);
}

/**
 * hashint8extended: folds the high half into the low half (xor, or xor of its complement for negative
 * values) so that int2, int4 and int8 keys that are equal hash equal, then hash_uint32_extended.
 */
function hashInt8(value: KeyValue, out: Int32Array): void {
  let hi: number;
  let lo: number;
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    lo = value >>> 0;
    hi = Math.floor(value / 4294967296) | 0;
  } else {
    int64KeyInto(value, halves);
    hi = halves[0]!;
    lo = halves[1]!;
  }
  hashUint32Extended(lo ^ (hi >= 0 ? hi : ~hi), STATE, out);
}

/** hashtextextended under a deterministic collation (C, or any libc/ICU deterministic one): the UTF-8 bytes. */
function hashText(value: KeyValue, out: Int32Array): void {
  const { bytes, length } = utf8Scratch(value, 'text');
  hashBytesExtended(bytes, length, SEED_HI, SEED_LO, out);
}

function hashVarchar(value: KeyValue, out: Int32Array): void {
  const { bytes, length } = utf8Scratch(value, 'varchar');
  hashBytesExtended(bytes, length, SEED_HI, SEED_LO, out);
}

/** uuid_hash_extended: the 16 bytes of the uuid. */
function hashUuid(value: KeyValue, out: Int32Array): void {
  uuidBytesInto(value, uuidBytes);
  hashBytesExtended(uuidBytes, 16, SEED_HI, SEED_LO, out);
}

const BY_TYPE: Readonly<Record<KeyType, ColumnHashFn>> = {
  int2: hashInt2,
  int4: hashInt4,
  int8: hashInt8,
  text: hashText,
  varchar: hashVarchar,
  uuid: hashUuid,
};

/**
 * PostgreSQL's extended hash functions with HASH_PARTITION_SEED (0x7A5B22367996DCFD, as int8
 * 8816678312871386365), read as a signed int8, i.e. what SQL returns:
 * - int2, int4, int8: `hashint2extended(v, seed)`, `hashint4extended(v, seed)`, `hashint8extended(v, seed)`
 *   (equal values hash equal across the three types);
 * - text, varchar: `hashtextextended(v, seed)` under a deterministic collation;
 * - uuid: `uuid_hash_extended(v, seed)`.
 *
 * A single-column key's point is that hash, so a shard computes it as, e.g.,
 * `hashint8extended(id, 8816678312871386365)`. A multi-column key's point is the hash_combine64 fold
 * of the column hashes, which PostgreSQL's partition routing uses too (see postgresPointSql).
 */
export class PostgresHasher extends CombiningHasher {
  readonly name = 'postgres' as const;

  columnHash(type: KeyType): ColumnHashFn {
    return columnHashFor(BY_TYPE, type);
  }
}
