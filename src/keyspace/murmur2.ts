// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2, MurmurHash2 with seed 0x9747b28c) and
// its default partitioner, so keys land on the partition a Java client or kafkajs would choose.
// Hand-written with Math.imul: kafkajs computes the same 32-bit result through a 64-bit Long
// emulation that allocates per byte block; murmur2.test.ts checks the two agree.

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** Kafka's murmur2 of `len` bytes of `data`, as a signed 32-bit number (what Java's int holds). */
export function murmur2(data: Uint8Array, len: number = data.length): number {
  let h = SEED ^ len;
  const blocks = len & ~3;
  for (let p = 0; p < blocks; p += 4) {
    let k = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16) | (data[p + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = len - blocks;
  if (tail > 0) {
    if (tail === 3) h ^= data[blocks + 2]! << 16;
    if (tail >= 2) h ^= data[blocks + 1]! << 8;
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's default partitioner gives a keyed record: `toPositive(murmur2(key)) % n`,
 * where toPositive clears the sign bit (it is not Math.abs).
 */
export function kafkaPartition(key: Uint8Array, numPartitions: number): number {
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
