import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Catalog } from './catalog.js';
import { CatalogCache } from './catalog-cache.js';
import { withShardStatus } from './catalog-changes.js';
import { CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import type { CatalogListener, CatalogStore } from './catalog-store.js';
import { testCatalog } from './test-catalogs.js';

/** A store the test drives by hand: `set` changes it silently (only a poll sees it), `push` also notifies. */
class FakeStore implements CatalogStore {
  catalog: Catalog | undefined;
  reachable = true;
  loads = 0;
  readonly listeners = new Set<CatalogListener>();

  async load(): Promise<Catalog | undefined> {
    this.loads++;
    if (!this.reachable)
      throw new CatalogStoreError(CatalogErrorCode.unavailable, 'catalog database is down');
    return this.catalog;
  }
  async save(next: Catalog): Promise<void> {
    this.catalog = next;
  }
  push(next: Catalog): void {
    this.catalog = next;
    for (const listener of this.listeners) listener(next);
  }
  watch(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {}
}

/** A logger whose lines the test can read. */
function capturedLogger() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return {
    logger,
    warnings: () => lines.filter((l) => l.level === 40),
    infos: () => lines.filter((l) => l.level === 30),
    lines,
  };
}

const v1 = testCatalog(2);
const v2 = withShardStatus(v1, 's0', 'readonly');
const v3 = withShardStatus(v2, 's1', 'readonly');

describe('CatalogCache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves the loaded catalog synchronously and follows watch events', async () => {
    const store = new FakeStore();
    store.catalog = v1;
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: capturedLogger().logger });
    expect(cache.current()).toBe(v1);
    const changes: [number, number | undefined][] = [];
    cache.onChange((next, previous) => changes.push([next.version, previous?.version]));
    store.push(v2);
    expect(cache.current()).toBe(v2);
    store.push(v1); // an old version arriving late changes nothing
    expect(cache.current()).toBe(v2);
    expect(changes).toEqual([[2, 1]]);
    await cache.close();
    store.push(v3);
    expect(cache.current()).toBe(v2);
    expect(store.listeners.size).toBe(0);
  });

  it('starts on an empty store and serves the first catalog once one is saved', async () => {
    const store = new FakeStore();
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: capturedLogger().logger });
    expect(cache.peek()).toBeUndefined();
    expect(() => cache.current()).toThrow(/no catalog has been saved yet; initialize the cluster/);
    const seen: [number, unknown][] = [];
    cache.onChange((next, previous) => seen.push([next.version, previous]));
    store.catalog = v1;
    expect(await cache.refresh()).toBe(v1);
    expect(cache.current()).toBe(v1);
    expect(seen).toEqual([[1, undefined]]);
    await cache.close();
  });

  it('refuses to open when the store cannot be read: there is nothing to serve', async () => {
    const store = new FakeStore();
    store.reachable = false;
    await expect(CatalogCache.open(store, { pollIntervalMs: 0 })).rejects.toMatchObject({
      code: CatalogErrorCode.unavailable,
    });
    expect(store.listeners.size).toBe(0);
  });

  it('keeps serving the cached catalog while the store is unreachable, warning once and noting recovery', async () => {
    const store = new FakeStore();
    store.catalog = v1;
    const log = capturedLogger();
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: log.logger });

    store.reachable = false;
    for (let i = 0; i < 5; i++) expect(await cache.refresh()).toBe(v1);
    expect(cache.current()).toBe(v1);
    expect(cache.storeReachable).toBe(false);
    expect(log.warnings()).toHaveLength(1);
    expect(log.warnings()[0]).toMatchObject({
      msg: 'catalog store unreachable; serving cached catalog version 1 until it recovers',
      cachedVersion: 1,
      err: expect.objectContaining({ message: 'catalog database is down' }),
    });

    store.catalog = v2; // changed while we could not see it
    store.reachable = true;
    expect(await cache.refresh()).toBe(v2);
    expect(cache.storeReachable).toBe(true);
    expect(log.infos().filter((l) => l.msg === 'catalog store reachable again')).toHaveLength(1);
    await cache.refresh();
    expect(log.warnings()).toHaveLength(1);

    store.reachable = false; // a second outage warns again, once
    await cache.refresh();
    await cache.refresh();
    expect(log.warnings()).toHaveLength(2);
    expect(log.warnings()[1]?.cachedVersion).toBe(2);
    await cache.close();
  });

  it('polls the store on its interval, picking up changes no event announced', async () => {
    vi.useFakeTimers();
    const store = new FakeStore();
    store.catalog = v1;
    const cache = await CatalogCache.open(store, { pollIntervalMs: 1000, logger: capturedLogger().logger });
    store.catalog = v2;
    await vi.advanceTimersByTimeAsync(999);
    expect(cache.current()).toBe(v1);
    await vi.advanceTimersByTimeAsync(1);
    expect(cache.current()).toBe(v2);
    const loads = store.loads;
    await cache.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(store.loads).toBe(loads);
  });

  it('coalesces concurrent refreshes into one load', async () => {
    const store = new FakeStore();
    store.catalog = v1;
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: capturedLogger().logger });
    const before = store.loads;
    await Promise.all([cache.refresh(), cache.refresh(), cache.refresh()]);
    expect(store.loads).toBe(before + 1);
    await cache.close();
  });

  it('keeps the cached catalog when the store goes backwards, saying so once', async () => {
    const store = new FakeStore();
    store.catalog = v2;
    const log = capturedLogger();
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: log.logger });
    store.catalog = v1;
    await cache.refresh();
    await cache.refresh();
    store.catalog = undefined;
    await cache.refresh();
    expect(cache.current()).toBe(v2);
    expect(log.warnings().map((l) => l.msg)).toEqual([
      expect.stringMatching(
        /^catalog store holds version 1, older than the cached version 2; keeping the cached catalog/,
      ),
      expect.stringMatching(/^catalog store holds no catalog, older than the cached version 2/),
    ]);
    await cache.close();
  });

  it('a listener that throws is logged and does not stop the others', async () => {
    const store = new FakeStore();
    store.catalog = v1;
    const log = capturedLogger();
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: log.logger });
    const seen: number[] = [];
    cache.onChange(() => {
      throw new Error('router bug');
    });
    const stop = cache.onChange((next) => seen.push(next.version));
    store.push(v2);
    stop();
    store.push(v3);
    expect(seen).toEqual([2]);
    expect(cache.current()).toBe(v3);
    expect(
      log.lines.filter((l) => l.level === 50 && l.msg === 'catalog change listener failed'),
    ).toHaveLength(2);
    await cache.close();
  });
});
