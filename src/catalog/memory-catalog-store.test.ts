import { describe, expect, it } from 'vitest';
import { catalogStoreContract } from './catalog-store-contract.js';
import { MemoryCatalogStore } from './memory-catalog-store.js';
import { testCatalog } from './test-catalogs.js';

describe('MemoryCatalogStore', () => {
  for (const [name, check] of Object.entries(catalogStoreContract)) {
    it(name, () => check({ open: () => new MemoryCatalogStore(), sharesStorage: false }));
  }

  it('can start with a catalog, which it validates', async () => {
    const store = new MemoryCatalogStore(testCatalog(2));
    expect((await store.load())?.version).toBe(1);
    expect(() => new MemoryCatalogStore({ ...testCatalog(2), version: -1 })).toThrow(
      /version: -1 is not a version/,
    );
  });
});
