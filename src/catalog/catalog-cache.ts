// What routers read on the hot path: the last good catalog, held in memory and returned
// synchronously. It refreshes on the store's change events and on a periodic poll (a safety net for
// missed events and for stores that cannot push), and keeps serving the last good catalog while the
// store is unreachable: a catalog outage must not become a routing outage.
import { type Logger, loggerFor } from '../util/logger.js';
import type { Catalog } from './catalog.js';
import { CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import type { CatalogStore } from './catalog-store.js';

/** Called when the cache moves to a newer catalog. */
export type CatalogChangeListener = (next: Catalog, previous: Catalog | undefined) => void;

/** How a `CatalogCache` refreshes and where it logs. */
export interface CatalogCacheOptions {
  /** Reload from the store this often, in ms; default 5000; 0 turns polling off. */
  readonly pollIntervalMs?: number;
  /** Default: the `catalog` component logger. */
  readonly logger?: Logger;
}

/**
 * The current catalog in front of a `CatalogStore`. The cache does not own the store: close the
 * store yourself after closing the cache.
 *
 * @example
 *   const cache = await CatalogCache.open(store, { pollIntervalMs: 5000 });
 *   const catalog = cache.current(); // synchronous, on every statement
 *   cache.onChange((next, previous) => rebuildShardMap(next));
 */
export class CatalogCache {
  readonly #store: CatalogStore;
  readonly #logger: Logger;
  readonly #listeners = new Set<CatalogChangeListener>();
  #catalog: Catalog | undefined;
  #reachable = true;
  #closed = false;
  #refreshing: Promise<Catalog | undefined> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unwatch: (() => void) | undefined;
  /** The last "store went backwards" situation logged, so a poll does not repeat it. */
  #regressionLogged = '';

  private constructor(store: CatalogStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Loads the catalog once, then follows the store. Resolves even when the store holds no catalog
   * yet (`current()` throws until one is saved).
   *
   * @throws CatalogStoreError or CatalogError when the first load fails: there is nothing to serve.
   */
  static async open(store: CatalogStore, options: CatalogCacheOptions = {}): Promise<CatalogCache> {
    const cache = new CatalogCache(store, options.logger ?? loggerFor('catalog'));
    // Watch before the first load, so a change saved in between is not missed.
    cache.#unwatch = store.watch((catalog) => {
      if (cache.#closed) return;
      cache.#markReachable();
      cache.#accept(catalog);
    });
    try {
      const catalog = await store.load();
      if (catalog) cache.#accept(catalog);
    } catch (error) {
      cache.#unwatch();
      throw error;
    }
    const interval = options.pollIntervalMs ?? 5000;
    if (interval > 0) {
      cache.#timer = setInterval(() => void cache.refresh(), interval);
      cache.#timer.unref(); // a cache alone must not keep the process alive
    }
    return cache;
  }

  /**
   * The last good catalog. Synchronous and allocation-free: safe on the hot path.
   *
   * @throws CatalogStoreError (`CATALOG_NOT_FOUND`) when no catalog has been saved yet.
   */
  current(): Catalog {
    if (this.#catalog) return this.#catalog;
    throw new CatalogStoreError(
      CatalogErrorCode.notFound,
      'no catalog has been saved yet; initialize the cluster (create and save a catalog) before routing',
    );
  }

  /** The last good catalog, or undefined when none has been saved yet. */
  peek(): Catalog | undefined {
    return this.#catalog;
  }

  /** False from a failed load until the next successful one. */
  get storeReachable(): boolean {
    return this.#reachable;
  }

  /** Calls `listener` each time the cache moves to a newer catalog; returns an unsubscribe function. */
  onChange(listener: CatalogChangeListener): () => void {
    const entry: CatalogChangeListener = (next, previous) => listener(next, previous);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /**
   * Loads from the store now and moves to a newer catalog if there is one. Never rejects: when the
   * store fails it keeps the cached catalog (logging once per outage) and resolves with it.
   */
  refresh(): Promise<Catalog | undefined> {
    this.#refreshing ??= this.#load().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Stops polling and watching. Does not close the store. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unwatch?.();
    this.#listeners.clear();
    await this.#refreshing;
  }

  async #load(): Promise<Catalog | undefined> {
    if (this.#closed) return this.#catalog;
    let loaded: Catalog | undefined;
    try {
      loaded = await this.#store.load();
    } catch (error) {
      if (this.#closed) return this.#catalog;
      this.#markUnreachable(error);
      return this.#catalog;
    }
    this.#markReachable();
    if (loaded) this.#accept(loaded);
    else if (this.#catalog) this.#logRegression('holds no catalog');
    return this.#catalog;
  }

  #accept(catalog: Catalog): void {
    const previous = this.#catalog;
    if (previous && catalog.version <= previous.version) {
      if (catalog.version < previous.version) this.#logRegression(`holds version ${catalog.version}`);
      return;
    }
    this.#catalog = catalog;
    this.#regressionLogged = '';
    this.#logger.info({ version: catalog.version, previousVersion: previous?.version }, 'catalog updated');
    for (const listener of [...this.#listeners]) {
      try {
        listener(catalog, previous);
      } catch (error) {
        this.#logger.error({ err: error, version: catalog.version }, 'catalog change listener failed');
      }
    }
  }

  #markUnreachable(error: unknown): void {
    if (!this.#reachable) return; // once per outage, not once per poll
    this.#reachable = false;
    const cachedVersion = this.#catalog?.version;
    this.#logger.warn(
      { err: error, cachedVersion },
      cachedVersion === undefined
        ? 'catalog store unreachable and no catalog is cached yet; retrying'
        : `catalog store unreachable; serving cached catalog version ${cachedVersion} until it recovers`,
    );
  }

  #markReachable(): void {
    if (this.#reachable) return;
    this.#reachable = true;
    this.#logger.info({ cachedVersion: this.#catalog?.version }, 'catalog store reachable again');
  }

  #logRegression(what: string): void {
    const cachedVersion = this.#catalog?.version;
    const key = `${what}@${cachedVersion}`;
    if (this.#regressionLogged === key) return;
    this.#regressionLogged = key;
    this.#logger.warn(
      { cachedVersion },
      `catalog store ${what}, older than the cached version ${cachedVersion}; keeping the cached catalog ` +
        '(was the catalog restored from a backup? save a catalog with a higher version to move routers on)',
    );
  }
}
