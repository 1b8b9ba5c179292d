// Where the catalog lives: one small interface with a file implementation (embedded mode), a
// PostgreSQL one (distributed mode) and an in-memory one (tests). The rules every implementation
// applies to a save are here, so they cannot drift apart.
import type { Catalog } from './catalog.js';
import { CatalogError } from './catalog-error.js';
import { validateCatalog } from './validate-catalog.js';

/** Called with a catalog newer than any the store has given this listener before. */
export type CatalogListener = (catalog: Catalog) => void;

/**
 * Loads, saves (with optimistic concurrency) and watches the catalog.
 *
 * @example
 *   const current = await store.load();
 *   const next = withShardStatus(current!, 's1', 'readonly');
 *   await store.save(next, current!.version); // CatalogConflictError if someone saved in between
 */
export interface CatalogStore {
  /** The stored catalog, validated; undefined when none has been saved yet. */
  load(): Promise<Catalog | undefined>;
  /**
   * Stores `next` if the stored catalog is still at `baseVersion` (undefined: if there is no
   * catalog yet). `next` must be valid and its version greater than `baseVersion`.
   *
   * @throws CatalogConflictError when the stored version is not `baseVersion`: reload and retry.
   * @throws CatalogError when `next` is invalid or does not advance the version.
   * @throws CatalogStoreError (`CATALOG_STORE_UNAVAILABLE`) when the store failed; if the connection
   *   broke mid-save the change may still have committed, so reload before deciding what to redo.
   */
  save(next: Catalog, baseVersion: number | undefined): Promise<void>;
  /**
   * Calls `listener` with each newer catalog. Versions only increase per listener, but after a lost
   * connection a store reloads and delivers only the latest, so intermediate versions may be
   * skipped; a store may also deliver the current catalog when the watch starts. Returns an
   * unsubscribe function. A listener that throws is logged and does not affect anyone else.
   */
  watch(listener: CatalogListener): () => void;
  /** Releases files, connections and timers. Safe to call twice; the store is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * The checks every store applies before saving: `next` is a valid catalog and advances the version
 * past `baseVersion`. Conflicts with the stored version are the store's own check.
 *
 * @throws CatalogError naming the problem.
 */
export function checkCatalogToSave(next: Catalog, baseVersion: number | undefined): void {
  validateCatalog(next, `catalog version ${next.version} (not saved)`);
  if (baseVersion !== undefined && next.version <= baseVersion) {
    throw new CatalogError(`catalog version ${next.version} (not saved) does not advance the version`, [
      `version: ${next.version} is not greater than the base version ${baseVersion}; every change must bump the version (the with* helpers do)`,
    ]);
  }
}
