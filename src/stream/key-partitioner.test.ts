import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { hasherFor } from '../keyspace/hasher-for.js';
import type { HasherName } from '../keyspace/key-type.js';
import { keyPartitioner } from './key-partitioner.js';
import { StreamError, StreamErrorCode } from './stream-errors.js';

const HASHERS: readonly HasherName[] = ['postgres', 'murmur3', 'murmur2'];
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** kafkajs's DefaultPartitioner (Java-compatible) choosing among `n` partitions for `key`. */
function kafkajsPartition(key: string, n: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } });
}

// PostgreSQL text cannot hold U+0000, so group keys never do.
const text = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\0'));
const safeInt = fc.maxSafeInteger().map((n) => (Object.is(n, -0) ? 0 : n));

describe('keyPartitioner', () => {
  it('gives every key a partition in 0..N-1, the same every time and for every instance', () => {
    for (const hasher of HASHERS) {
      fc.assert(
        fc.property(
          fc.oneof(safeInt, text, fc.constant(null)),
          fc.integer({ min: 1, max: 1000 }),
          (key, n) => {
            const a = keyPartitioner({ columns: ['k'], hasher, partitions: n });
            const b = keyPartitioner({ columns: ['k'], hasher, partitions: n });
            const p = a.ofRow({ k: key });
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThan(n);
            expect(Number.isInteger(p)).toBe(true);
            expect(a.ofRow({ k: key, other: 'x' })).toBe(p);
            expect(b.ofKey([key])).toBe(p);
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('hashes 42, 42n and "42" alike when the column type is known', () => {
    for (const hasher of HASHERS) {
      const typed = keyPartitioner({ columns: ['id'], types: ['int8'], hasher, partitions: 1000 });
      fc.assert(
        fc.property(fc.bigInt({ min: INT8_MIN, max: INT8_MAX }), (big) => {
          const n = Number(big);
          const forms: unknown[] = [big, String(big), ` +${String(big)} `.replace('+-', '-')];
          if (Number.isSafeInteger(n)) forms.push(n);
          const hashes = forms.map((v) => typed.hashOfKey([v]));
          for (const h of hashes) expect(h).toBe(hashes[0]);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('keeps tuple boundaries: ("ab","c") and ("a","bc") hash differently', () => {
    // Separators and quotes are what a naive encoding would confuse.
    const tricky = fc.string({
      unit: fc.constantFrom('a', 'b', ',', '"', '\\', '[', ']', 'n', 'u', 'l'),
      maxLength: 12,
    });
    const split = fc
      .tuple(fc.oneof(text, tricky), fc.nat(), fc.nat())
      .filter(([s, i, j]) => s.length > 0 && i % (s.length + 1) !== j % (s.length + 1))
      .map(([s, i, j]) => {
        const a = i % (s.length + 1);
        const b = j % (s.length + 1);
        return [
          [s.slice(0, a), s.slice(a)],
          [s.slice(0, b), s.slice(b)],
        ] as const;
      });
    for (const hasher of HASHERS) {
      const keys = keyPartitioner({ columns: ['a', 'b'], hasher, partitions: 64 });
      expect(keys.hashOfKey(['ab', 'c'])).not.toBe(keys.hashOfKey(['a', 'bc']));
      fc.assert(
        fc.property(split, ([x, y]) => {
          expect(keys.hashOfKey(x)).not.toBe(keys.hashOfKey(y));
        }),
        { numRuns: 300 },
      );
    }
  });

  it("keeps NULL apart from '' and from the text 'null', alone and inside a tuple", () => {
    for (const hasher of HASHERS) {
      const one = keyPartitioner({ columns: ['a'], hasher, partitions: 8 });
      const nulls = [[null], [''], ['null'], ['NULL']];
      const single = new Set(nulls.map((k) => one.hashOfKey(k)));
      expect(single.size, hasher).toBe(4);
      const two = keyPartitioner({ columns: ['a', 'b'], hasher, partitions: 8 });
      const tuples = [
        [null, 'x'],
        ['', 'x'],
        ['null', 'x'],
        ['x', null],
        ['x', ''],
        [null, null],
        ['', ''],
      ];
      expect(new Set(tuples.map((k) => two.hashOfKey(k))).size, hasher).toBe(tuples.length);
    }
  });

  it("with murmur2, picks kafkajs's partition for a producer keyed by String(value)", () => {
    fc.assert(
      fc.property(
        fc.oneof(safeInt, fc.bigInt({ min: INT8_MIN, max: INT8_MAX }), text),
        fc.integer({ min: 1, max: 500 }),
        fc.boolean(),
        (key, n, typed) => {
          const type = typeof key === 'string' ? 'text' : 'int8';
          const keys = keyPartitioner({
            columns: ['k'],
            hasher: 'murmur2',
            partitions: n,
            ...(typed ? { types: [type] } : {}),
          });
          expect(keys.ofRow({ k: key })).toBe(kafkajsPartition(String(key), n));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("with murmur2, picks kafkajs's partition for a producer keyed by JSON.stringify(tuple)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(safeInt, text, fc.constant(null)), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 500 }),
        (tuple, n) => {
          const columns = tuple.map((_, i) => `c${i}`);
          const keys = keyPartitioner({ columns, hasher: 'murmur2', partitions: n });
          expect(keys.ofKey(tuple)).toBe(kafkajsPartition(JSON.stringify(tuple), n));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("hashes a typed key to the keyspace hasher's point (single and multi-column)", () => {
    for (const name of ['postgres', 'murmur3'] as const) {
      const hasher = hasherFor(name);
      const keys = keyPartitioner({
        columns: ['t', 'n'],
        types: ['text', 'int8'],
        hasher: name,
        partitions: 4,
      });
      const one = keyPartitioner({ columns: ['n'], types: ['int8'], hasher: name, partitions: 4 });
      fc.assert(
        fc.property(text, safeInt, (t, n) => {
          expect(keys.hashOfKey([t, n])).toBe(hasher.point(['text', 'int8'], [t, n]));
          expect(one.hashOfKey([n])).toBe(hasher.point(['int8'], [n]));
        }),
        { numRuns: 200 },
      );
    }
  });

  it('spreads consecutive ids over every partition', () => {
    for (const hasher of HASHERS) {
      const keys = keyPartitioner({ columns: ['id'], hasher, partitions: 8 });
      const counts = new Array(8).fill(0);
      for (let id = 0; id < 80_000; id++) counts[keys.ofRow({ id })]++;
      for (const c of counts) {
        expect(c, `${hasher}: ${counts.join(' ')}`).toBeGreaterThan(8_000);
        expect(c, `${hasher}: ${counts.join(' ')}`).toBeLessThan(12_000);
      }
    }
  });

  it('refuses a row without a key column, a wrong arity and a bad partition count', () => {
    for (const hasher of HASHERS) {
      const keys = keyPartitioner({ columns: ['tenant_id'], hasher, partitions: 4 });
      const error = (() => {
        try {
          keys.ofRow({ id: 1 });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(StreamError);
      expect((error as StreamError).code).toBe(StreamErrorCode.missingKeyColumn);
      expect((error as Error).message).toMatch(/"tenant_id".*REPLICA IDENTITY FULL/);
      expect(() => keys.ofKey([1, 2])).toThrow(/1 columns but 2 values/);
    }
    for (const partitions of [0, -1, 1.5, 65_537, Number.NaN]) {
      expect(() => keyPartitioner({ columns: ['a'], hasher: 'postgres', partitions })).toThrow(
        /between 1 and 65536 partitions/,
      );
    }
  });
});
