// The watchers of one store: delivers each catalog at most once and only when newer than the last
// delivered, so reconnect reloads and duplicate notifications never replay an old version.
import type { Logger } from '../util/logger.js';
import type { Catalog } from './catalog.js';
import type { CatalogListener } from './catalog-store.js';

/** A set of catalog listeners with a monotonically increasing delivered version. */
export class CatalogListeners {
  readonly #listeners = new Set<CatalogListener>();
  readonly #logger: Logger;
  #deliveredVersion = -1;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Number of subscribed listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  /** The highest version delivered so far (-1 before the first). */
  get deliveredVersion(): number {
    return this.#deliveredVersion;
  }

  /** Adds a listener; returns its unsubscribe function (safe to call twice). */
  add(listener: CatalogListener): () => void {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry: CatalogListener = (catalog) => listener(catalog);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /** Delivers `catalog` to every listener if it is newer than anything delivered before. */
  emit(catalog: Catalog): void {
    if (catalog.version <= this.#deliveredVersion) return;
    this.#deliveredVersion = catalog.version;
    for (const listener of [...this.#listeners]) {
      try {
        listener(catalog);
      } catch (error) {
        this.#logger.error(
          { err: error, version: catalog.version },
          'catalog listener failed; other listeners still run',
        );
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
