// Kafka's murmur2 as a keyspace hasher, for tables whose rows must hash as a Kafka producer hashes the
// same key (kafkajs sends a non-Buffer key as `Buffer.from(String(key))`, so keys hash as their text).
import type { ColumnHashFn } from './hasher.js';
import { CombiningHasher, columnHashFor } from './hasher.js';
import { canonicalInteger } from './integer-key.js';
import type { KeyType, KeyValue } from './key-type.js';
import { murmur2 } from './murmur2.js';
import { utf8Scratch } from './text-key.js';
import { canonicalUuid } from './uuid-key.js';

// The 32-bit hash becomes the point's high half; the low half is zero.
function toPoint(text: string, type: KeyType, out: Int32Array): void {
  const { bytes, length } = utf8Scratch(text, type);
  out[0] = murmur2(bytes, length);
  out[1] = 0;
}

function integerHash(type: 'int2' | 'int4' | 'int8'): ColumnHashFn {
  return (value, out) => toPoint(String(canonicalInteger(type, value)), type, out);
}

function textHash(type: 'text' | 'varchar'): ColumnHashFn {
  return (value: KeyValue, out) => {
    const { bytes, length } = utf8Scratch(value, type);
    out[0] = murmur2(bytes, length);
    out[1] = 0;
  };
}

const BY_TYPE: Readonly<Record<KeyType, ColumnHashFn>> = {
  int2: integerHash('int2'),
  int4: integerHash('int4'),
  int8: integerHash('int8'),
  text: textHash('text'),
  varchar: textHash('varchar'),
  uuid: (value, out) => toPoint(canonicalUuid(value), 'uuid', out),
};

/**
 * Kafka's murmur2 (seed 0x9747b28c) of the key's text in UTF-8: integers in canonical decimal
 * (`-42`), text as is, uuids in canonical lowercase form. The signed 32-bit hash `h` maps onto the
 * 64-bit space as the point `h * 2^32` (high half = h, low half = 0), which keeps its order, so the
 * equal-range layout splits by h. Kafka's own partition for n partitions is
 * `kafkaPartition(bytes, n)` = `(h & 0x7fffffff) % n`.
 */
export class Murmur2Hasher extends CombiningHasher {
  readonly name = 'murmur2' as const;

  columnHash(type: KeyType): ColumnHashFn {
    return columnHashFor(BY_TYPE, type);
  }
}
