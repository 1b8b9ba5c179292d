import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used entry, a read counting as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.keys()).toEqual(['a', 'c']);
  });

  it('behaves like a model of recency for random operations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom('get', 'set', 'delete'), fc.integer({ min: 0, max: 8 }))),
        (capacity, ops) => {
          const cache = new LruCache<number, number>(capacity);
          let model: number[] = [];
          for (const [op, key] of ops) {
            if (op === 'get') {
              expect(cache.get(key)).toBe(model.includes(key) ? key : undefined);
              if (model.includes(key)) model = [...model.filter((k) => k !== key), key];
            } else if (op === 'set') {
              cache.set(key, key);
              model = [...model.filter((k) => k !== key), key].slice(-capacity);
            } else {
              expect(cache.delete(key)).toBe(model.includes(key));
              model = model.filter((k) => k !== key);
            }
            expect(cache.keys()).toEqual(model);
          }
        },
      ),
    );
  });

  it('needs a positive capacity', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});
