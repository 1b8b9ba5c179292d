// Read-modify-write of the stored catalog with optimistic concurrency: a change that loses a race is
// re-applied to the newer catalog instead of failing (what every control-plane action wants).
import type { Catalog } from './catalog.js';
import { CatalogConflictError, CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import type { CatalogStore } from './catalog-store.js';

/**
 * Loads the catalog, applies `change` and saves the result based on the loaded version; on a
 * conflict, reloads and applies `change` again, up to `attempts` times. `change` must be pure (it
 * may run more than once); returning its input unchanged saves nothing. Resolves with the catalog
 * now stored.
 *
 * @example
 *   await updateCatalog(store, (catalog) => withShardStatus(catalog, 's2', 'readonly'));
 * @throws CatalogConflictError after `attempts` lost races; CatalogStoreError when no catalog exists.
 */
export async function updateCatalog(
  store: CatalogStore,
  change: (current: Catalog) => Catalog,
  options: { readonly attempts?: number } = {},
): Promise<Catalog> {
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const current = await store.load();
    if (!current) {
      throw new CatalogStoreError(
        CatalogErrorCode.notFound,
        'there is no catalog to change yet; initialize the cluster (save a catalog) first',
      );
    }
    const next = change(current);
    if (next === current) return current;
    try {
      await store.save(next, current.version);
      return next;
    } catch (error) {
      if (!(error instanceof CatalogConflictError) || attempt >= attempts) throw error;
    }
  }
}

/**
 * The stored catalog, or `initial()` saved as the first one when there is none. Safe when several
 * processes start at once: exactly one saves, the others load what it saved.
 */
export async function loadOrCreateCatalog(store: CatalogStore, initial: () => Catalog): Promise<Catalog> {
  const existing = await store.load();
  if (existing) return existing;
  const created = initial();
  try {
    await store.save(created, undefined);
    return created;
  } catch (error) {
    if (!(error instanceof CatalogConflictError)) throw error;
    const winner = await store.load();
    if (!winner) throw error;
    return winner;
  }
}
