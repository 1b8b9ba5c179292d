// Murmur3 as a keyspace hasher, for keys that must spread like Cassandra's Murmur3Partitioner or that
// other systems hash with MurmurHash3: the point is h1 of MurmurHash3_x64_128 (seed 0), i.e. the first
// 8 bytes of the 128-bit digest read as a little-endian signed int8 (Cassandra's token too).
import type { ColumnHashFn } from './hasher.js';
import { CombiningHasher, columnHashFor } from './hasher.js';
import { int32Key, int64KeyInto } from './integer-key.js';
import type { KeyType, KeyValue } from './key-type.js';
import { murmur3x64_128 } from './murmur3.js';
import { utf8Scratch } from './text-key.js';
import { uuidBytesInto } from './uuid-key.js';

const digest = new Int32Array(4);
const halves = new Int32Array(2);
const bytes = new Uint8Array(16);

function finish(data: Uint8Array, len: number, out: Int32Array): void {
  murmur3x64_128(data, len, 0, digest);
  out[0] = digest[0]!;
  out[1] = digest[1]!;
}

// Integers hash as their 8-byte little-endian two's complement, whatever their column type, so equal
// int2, int4 and int8 values hash equal (as PostgreSQL's integer hashes do).
function hashInt64(hi: number, lo: number, out: Int32Array): void {
  for (let i = 0; i < 4; i++) {
    bytes[i] = lo >>> (8 * i);
    bytes[4 + i] = hi >>> (8 * i);
  }
  finish(bytes, 8, out);
}

function hashInt2(value: KeyValue, out: Int32Array): void {
  const v = int32Key('int2', value);
  hashInt64(v < 0 ? -1 : 0, v, out);
}

function hashInt4(value: KeyValue, out: Int32Array): void {
  const v = int32Key('int4', value);
  hashInt64(v < 0 ? -1 : 0, v, out);
}

function hashInt8(value: KeyValue, out: Int32Array): void {
  int64KeyInto(value, halves);
  hashInt64(halves[0]!, halves[1]!, out);
}

function textHash(type: 'text' | 'varchar'): ColumnHashFn {
  return (value, out) => {
    const text = utf8Scratch(value, type);
    finish(text.bytes, text.length, out);
  };
}

function hashUuid(value: KeyValue, out: Int32Array): void {
  uuidBytesInto(value, bytes);
  finish(bytes, 16, out);
}

const BY_TYPE: Readonly<Record<KeyType, ColumnHashFn>> = {
  int2: hashInt2,
  int4: hashInt4,
  int8: hashInt8,
  text: textHash('text'),
  varchar: textHash('varchar'),
  uuid: hashUuid,
};

/**
 * MurmurHash3_x64_128 with seed 0; a value's point is h1 (the low 64 bits of the 128-bit hash) read as
 * a signed int8. The bytes hashed: integers as 8-byte little-endian two's complement (equal int2, int4
 * and int8 values hash equal), text as UTF-8, uuid as its 16 bytes.
 */
export class Murmur3Hasher extends CombiningHasher {
  readonly name = 'murmur3' as const;

  columnHash(type: KeyType): ColumnHashFn {
    return columnHashFor(BY_TYPE, type);
  }
}
