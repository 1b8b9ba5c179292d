import { describe, expect, it } from 'vitest';
import type { DirectoryFetch } from './lookup-resolver.js';
import { LookupResolver } from './lookup-resolver.js';

/** A directory with a log of what was fetched, answering after a microtask. */
function directory(entries: Record<string, number>) {
  const fetched: string[] = [];
  const fetch: DirectoryFetch = async (key) => {
    fetched.push(JSON.stringify(key));
    await Promise.resolve();
    return entries[JSON.stringify(key)];
  };
  return { fetch, fetched, entries };
}

describe('LookupResolver', () => {
  it('fetches a key once, then answers from the cache synchronously', async () => {
    const dir = directory({ '["acme"]': 3 });
    const r = new LookupResolver({ keyTypes: ['text'], fetch: dir.fetch, cacheSize: 10 });
    const first = r.shardOf('acme');
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(3);
    expect(r.shardOf('acme')).toBe(3);
    expect(dir.fetched).toEqual(['["acme"]']);
  });

  it('shares one fetch between concurrent misses, and canonicalises integer keys', async () => {
    const dir = directory({ '[42]': 1 });
    const r = new LookupResolver({ keyTypes: ['int8'], fetch: dir.fetch, cacheSize: 10 });
    const results = await Promise.all([r.shardOf(42), r.shardOf('42'), r.shardOf(42n)]);
    expect(results).toEqual([1, 1, 1]);
    expect(dir.fetched).toEqual(['[42]']);
    expect(r.shardOf(' +042 ')).toBe(1);
  });

  it('keeps at most cacheSize keys, dropping the least recently used', async () => {
    const dir = directory({ '[1]': 0, '[2]': 0, '[3]': 0 });
    const r = new LookupResolver({ keyTypes: ['int4'], fetch: dir.fetch, cacheSize: 2 });
    await r.shardOf(1);
    await r.shardOf(2);
    r.shardOf(1);
    await r.shardOf(3);
    expect(r.cachedKeys).toBe(2);
    expect(typeof r.shardOf(1)).toBe('number');
    expect(r.shardOf(2)).toBeInstanceOf(Promise);
  });

  it('refetches after invalidate, one key or all', async () => {
    const dir = directory({ '["a"]': 1, '["b"]': 2 });
    const r = new LookupResolver({ keyTypes: ['text'], fetch: dir.fetch, cacheSize: 10 });
    await r.shardOf('a');
    await r.shardOf('b');
    dir.entries['["a"]'] = 5;
    r.invalidate('a');
    expect(r.shardOf('b')).toBe(2);
    expect(await r.shardOf('a')).toBe(5);
    r.invalidate();
    expect(r.cachedKeys).toBe(0);
  });

  it('does not cache an answer that was invalidated while in flight', async () => {
    const dir = directory({ '["a"]': 1 });
    const r = new LookupResolver({ keyTypes: ['text'], fetch: dir.fetch, cacheSize: 10 });
    const pending = r.shardOf('a');
    r.invalidate('a');
    expect(await pending).toBe(1);
    expect(r.cachedKeys).toBe(0);
  });

  it('resolves multi-column keys, reporting missing entries (P0002) and fetch errors without caching', async () => {
    const dir = directory({ '[7,"eu"]': 4 });
    const r = new LookupResolver({ keyTypes: ['int8', 'text'], fetch: dir.fetch, cacheSize: 10 });
    expect(await r.shardOfKey(['7', 'eu'])).toBe(4);
    expect(r.shardOfKey([7, 'eu'])).toBe(4);
    await expect(r.shardOfKey([8, 'eu'])).rejects.toMatchObject({ code: 'P0002' });
    const failing = new LookupResolver({
      keyTypes: ['text'],
      cacheSize: 10,
      fetch: () => Promise.reject(new Error('connection reset')),
    });
    await expect(failing.shardOf('x')).rejects.toThrow('connection reset');
    expect(failing.cachedKeys).toBe(0);
    expect(() => r.shardOf(7)).toThrow(/2 columns/);
  });

  it('rejects text keys PostgreSQL could not store before fetching them', () => {
    const dir = directory({});
    const r = new LookupResolver({ keyTypes: ['text'], fetch: dir.fetch, cacheSize: 10 });
    expect(() => r.shardOf('a\0b')).toThrow(expect.objectContaining({ code: '22021' }) as Error);
    expect(() => r.shardOf(5)).toThrow(expect.objectContaining({ code: '22P02' }) as Error);
    expect(dir.fetched).toEqual([]);
  });
});
