import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SwitchyardError } from '../util/errors.js';
import { RangeResolver } from './range-resolver.js';

describe('RangeResolver', () => {
  it('sends integer keys below each bound to its shard, the open last bound taking the rest', () => {
    const r = new RangeResolver('int8', [
      { upTo: -5, shard: 0 },
      { upTo: '1000', shard: 1 },
      { upTo: 2n ** 62n, shard: 2 },
      { shard: 3 },
    ]);
    expect(r.shardOf(-(2n ** 63n))).toBe(0);
    expect(r.shardOf(-6)).toBe(0);
    expect(r.shardOf('-5')).toBe(1);
    expect(r.shardOf(999)).toBe(1);
    expect(r.shardOf(1000n)).toBe(2);
    expect(r.shardOf(String(2n ** 62n - 1n))).toBe(2);
    expect(r.shardOf(String(2n ** 62n))).toBe(3);
    expect(r.shardOfKey([String(2n ** 63n - 1n)])).toBe(3);
  });

  it('agrees with a linear scan for random int8 bounds and keys', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    fc.assert(
      fc.property(
        fc.uniqueArray(int64, { minLength: 1, maxLength: 20 }),
        fc.array(int64, { maxLength: 50 }),
        (cuts, keys) => {
          const bounds = [...cuts].sort((a, b) => (a < b ? -1 : 1));
          const r = new RangeResolver('int8', [
            ...bounds.map((upTo, shard) => ({ upTo, shard })),
            { shard: bounds.length },
          ]);
          for (const key of keys) {
            const expected = bounds.findIndex((b) => key < b);
            expect(r.shardOf(key)).toBe(expected === -1 ? bounds.length : expected);
          }
        },
      ),
    );
  });

  it('compares text as the C collation does (UTF-8 bytes), not as JS strings do', () => {
    const r = new RangeResolver('text', [
      { upTo: 'm', shard: 0 },
      { upTo: '\uE000', shard: 1 },
      { shard: 2 },
    ]);
    expect(r.shardOf('apple')).toBe(0);
    expect(r.shardOf('m')).toBe(1);
    expect(r.shardOf('zebra')).toBe(1);
    // U+1F600 sorts after U+E000 in UTF-8 (and in PostgreSQL's C collation), before it in UTF-16.
    expect(r.shardOf('\u{1F600}')).toBe(2);
  });

  it('orders uuids by their bytes, whatever their text form', () => {
    const r = new RangeResolver('uuid', [
      { upTo: '80000000-0000-0000-0000-000000000000', shard: 0 },
      { shard: 1 },
    ]);
    expect(r.shardOf('7FFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF')).toBe(0);
    expect(r.shardOf('{80000000000000000000000000000000}')).toBe(1);
  });

  it('refuses a key at or above a closed last bound with 23514', () => {
    const r = new RangeResolver('int4', [{ upTo: 10, shard: 0 }]);
    expect(r.shardOf(9)).toBe(0);
    expect(() => r.shardOf(10)).toThrow(expect.objectContaining({ code: '23514' }) as SwitchyardError);
  });

  it('rejects bounds that do not increase or leave out upTo before the end', () => {
    expect(
      () =>
        new RangeResolver('int8', [
          { upTo: 5, shard: 0 },
          { upTo: 5, shard: 1 },
        ]),
    ).toThrow(/must increase/);
    expect(
      () =>
        new RangeResolver('text', [
          { upTo: 'b', shard: 0 },
          { upTo: 'a', shard: 1 },
        ]),
    ).toThrow(/must increase/);
    expect(() => new RangeResolver('int8', [{ shard: 0 }, { upTo: 5, shard: 1 }])).toThrow(/only the last/);
    expect(() => new RangeResolver('int2', [{ upTo: 40000, shard: 0 }])).toThrow(
      /out of range for type int2/,
    );
    expect(() => new RangeResolver('int8', [])).toThrow(/at least one bound/);
  });
});
