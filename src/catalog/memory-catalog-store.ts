// A catalog store in memory, for tests and for single-process tools that need no persistence.
import { type Logger, loggerFor } from '../util/logger.js';
import type { Catalog } from './catalog.js';
import { CatalogConflictError, CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import { CatalogListeners } from './catalog-listeners.js';
import { type CatalogListener, type CatalogStore, checkCatalogToSave } from './catalog-store.js';
import { deepFreeze } from './deep-freeze.js';

/** A `CatalogStore` holding the catalog in memory; watchers are notified synchronously on save. */
export class MemoryCatalogStore implements CatalogStore {
  #catalog: Catalog | undefined;
  #closed = false;
  readonly #listeners: CatalogListeners;

  /** Starts empty, or holding `initial` (validated). */
  constructor(initial?: Catalog, options: { logger?: Logger } = {}) {
    this.#listeners = new CatalogListeners(options.logger ?? loggerFor('catalog'));
    if (initial) {
      checkCatalogToSave(initial, undefined);
      this.#catalog = deepFreeze(initial);
    }
  }

  /** {@inheritDoc CatalogStore.load} */
  async load(): Promise<Catalog | undefined> {
    this.#checkOpen();
    return this.#catalog;
  }

  /** {@inheritDoc CatalogStore.save} */
  async save(next: Catalog, baseVersion: number | undefined): Promise<void> {
    this.#checkOpen();
    checkCatalogToSave(next, baseVersion);
    if (this.#catalog?.version !== baseVersion) {
      throw new CatalogConflictError(baseVersion, this.#catalog?.version);
    }
    this.#catalog = deepFreeze(next);
    this.#listeners.emit(this.#catalog);
  }

  /** {@inheritDoc CatalogStore.watch} */
  watch(listener: CatalogListener): () => void {
    this.#checkOpen();
    return this.#listeners.add(listener);
  }

  /** {@inheritDoc CatalogStore.close} */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new CatalogStoreError(
        CatalogErrorCode.closed,
        'the memory catalog store is closed; open a new one',
      );
    }
  }
}
