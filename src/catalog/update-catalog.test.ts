import { describe, expect, it } from 'vitest';
import type { Catalog } from './catalog.js';
import { withShardStatus, withTable } from './catalog-changes.js';
import { CatalogConflictError, CatalogErrorCode } from './catalog-error.js';
import { MemoryCatalogStore } from './memory-catalog-store.js';
import { referenceTable } from './table-rules.js';
import { testCatalog } from './test-catalogs.js';
import { loadOrCreateCatalog, updateCatalog } from './update-catalog.js';

/** A store where someone else saves a change right after each of our first `races` loads. */
class RacingStore extends MemoryCatalogStore {
  races: number;
  constructor(initial: Catalog, races: number) {
    super(initial);
    this.races = races;
  }
  override async load(): Promise<Catalog | undefined> {
    const loaded = await super.load();
    if (loaded && this.races > 0) {
      this.races--;
      await super.save(withTable(loaded, `other_${loaded.version}`, referenceTable()), loaded.version);
    }
    return loaded;
  }
}

describe('updateCatalog', () => {
  it('applies the change and saves it based on the loaded version', async () => {
    const store = new MemoryCatalogStore(testCatalog(2));
    const saved = await updateCatalog(store, (c) => withShardStatus(c, 's0', 'readonly'));
    expect(saved.version).toBe(2);
    expect(await store.load()).toBe(saved);
  });

  it('re-applies the change to the newer catalog after losing a race', async () => {
    const store = new RacingStore(testCatalog(2), 2);
    const saved = await updateCatalog(store, (c) => withShardStatus(c, 's0', 'readonly'));
    expect(saved.version).toBe(4);
    expect(Object.keys(saved.tables)).toEqual(expect.arrayContaining(['other_1', 'other_2']));
    expect(saved.shards[0]?.status).toBe('readonly');
  });

  it('gives up with the conflict after `attempts` lost races', async () => {
    const store = new RacingStore(testCatalog(2), 10);
    await expect(
      updateCatalog(store, (c) => withShardStatus(c, 's0', 'readonly'), { attempts: 3 }),
    ).rejects.toBeInstanceOf(CatalogConflictError);
    expect(store.races).toBe(7);
  });

  it('saves nothing when the change returns its input, and needs a catalog to change', async () => {
    const store = new MemoryCatalogStore(testCatalog(2));
    expect((await updateCatalog(store, (c) => c)).version).toBe(1);
    await expect(updateCatalog(new MemoryCatalogStore(), (c) => c)).rejects.toMatchObject({
      code: CatalogErrorCode.notFound,
    });
  });
});

describe('loadOrCreateCatalog', () => {
  it('creates the first catalog once; concurrent callers get the one that won', async () => {
    const store = new MemoryCatalogStore();
    const made = [testCatalog(2), testCatalog(3)];
    const results = await Promise.all(made.map((catalog) => loadOrCreateCatalog(store, () => catalog)));
    expect(results[0]).toBe(results[1]);
    expect(await store.load()).toEqual(results[0]);
    expect(await loadOrCreateCatalog(store, () => testCatalog(4))).toEqual(results[0]);
  });
});
