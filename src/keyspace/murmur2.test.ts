import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaPartition, murmur2 } from './murmur2.js';
import { Murmur2Hasher } from './murmur2-hasher.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** kafkajs's DefaultPartitioner (Java-compatible) choosing among `n` partitions for `key`. */
function kafkajsPartition(key: Buffer, n: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
}

describe('murmur2 (Kafka)', () => {
  it("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, expected] of vectors) expect(murmur2(utf8(key)), key).toBe(expected);
  });

  it("partitions random keys as kafkajs's DefaultPartitioner does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        expect(kafkaPartition(key, n)).toBe(kafkajsPartition(Buffer.from(key), n));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Murmur2Hasher', () => {
  const hasher = new Murmur2Hasher();

  it('puts murmur2 of the key text in the high half of the point, so kafkajs agrees on the partition', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          fc.string().filter((s) => !s.includes('\0')),
        ),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const type = typeof key === 'bigint' ? 'int8' : 'text';
          const point = hasher.point([type], [key]);
          expect(point % 2n ** 32n).toBe(0n);
          const h = Number(point >> 32n);
          expect(h).toBe(murmur2(utf8(String(key))));
          expect((h & 0x7fffffff) % n).toBe(kafkajsPartition(Buffer.from(String(key)), n));
        },
      ),
    );
  });

  it('hashes equal integers equally whatever form they arrive in', () => {
    expect(hasher.point(['int8'], [' +0042 '])).toBe(hasher.point(['int8'], [42]));
    expect(hasher.point(['int4'], [42n])).toBe(hasher.point(['int8'], ['42']));
  });
});
