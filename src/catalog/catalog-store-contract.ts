// The behaviour every CatalogStore must have, as plain async checks (node:assert, no test runner),
// so the same suite runs against the memory, file and PostgreSQL stores:
//   for (const [name, check] of Object.entries(catalogStoreContract)) it(name, () => check(fixture));
import assert from 'node:assert/strict';
import type { Catalog } from './catalog.js';
import { withShardStatus, withTable } from './catalog-changes.js';
import { CatalogConflictError, CatalogError, CatalogErrorCode } from './catalog-error.js';
import type { CatalogStore } from './catalog-store.js';
import { referenceTable } from './table-rules.js';
import { testCatalog } from './test-catalogs.js';

/** Fresh, empty storage for one check, and a way to open stores on it. */
export interface CatalogStoreFixture {
  /** Opens a store on this fixture's storage. The check closes what it opens. */
  open(): CatalogStore;
  /** True when two stores opened here share their storage (file, database), false for memory. */
  readonly sharesStorage: boolean;
}

/** Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withStore(
  fixture: CatalogStoreFixture,
  body: (store: CatalogStore) => Promise<void>,
): Promise<void> {
  const store = fixture.open();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

async function rejectsWithConflict(
  promise: Promise<unknown>,
  base: number | undefined,
  stored: number | undefined,
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CatalogConflictError, `expected CatalogConflictError, got ${String(error)}`);
    assert.equal(error.code, CatalogErrorCode.conflict);
    assert.equal(error.baseVersion, base);
    assert.equal(error.storedVersion, stored);
    assert.match(error.message, /reload the catalog and retry/);
    return true;
  });
}

/** Named checks of the `CatalogStore` contract. */
export const catalogStoreContract: Record<string, (fixture: CatalogStoreFixture) => Promise<void>> = {
  'load returns undefined before the first save': (fixture) =>
    withStore(fixture, async (store) => {
      assert.equal(await store.load(), undefined);
    }),

  'a saved catalog loads back equal and frozen': (fixture) =>
    withStore(fixture, async (store) => {
      const catalog = testCatalog(3);
      await store.save(catalog, undefined);
      const loaded = await store.load();
      assert.deepEqual(loaded, catalog);
      assert.ok(loaded && Object.isFrozen(loaded) && Object.isFrozen(loaded.shards[0]?.ranges[0]));
    }),

  'a first save is refused when a catalog exists, and a later save when none does': (fixture) =>
    withStore(fixture, async (store) => {
      await rejectsWithConflict(store.save(withTable(testCatalog(), 'x', referenceTable()), 1), 1, undefined);
      await store.save(testCatalog(), undefined);
      await rejectsWithConflict(store.save(testCatalog(), undefined), undefined, 1);
    }),

  'a save based on a stale version is refused and changes nothing': (fixture) =>
    withStore(fixture, async (store) => {
      const v1 = testCatalog();
      await store.save(v1, undefined);
      const v2 = withShardStatus(v1, 's0', 'readonly');
      await store.save(v2, 1);
      const staleChange = withTable(v1, 'late', referenceTable()); // also version 2, based on 1
      await rejectsWithConflict(store.save(staleChange, 1), 1, 2);
      assert.deepEqual(await store.load(), v2);
    }),

  'of concurrent saves from the same version exactly one wins': (fixture) =>
    withStore(fixture, async (store) => {
      const v1 = testCatalog();
      await store.save(v1, undefined);
      const candidates = ['s0', 's1'].flatMap((shard) =>
        (['readonly', 'migrating', 'inactive'] as const).map((status) => withShardStatus(v1, shard, status)),
      );
      const results = await Promise.allSettled(candidates.map((candidate) => store.save(candidate, 1)));
      const winners = results.flatMap((result, i) => (result.status === 'fulfilled' ? [candidates[i]] : []));
      assert.equal(winners.length, 1, `expected exactly one winner, got ${winners.length}`);
      for (const result of results) {
        if (result.status === 'rejected') assert.ok(result.reason instanceof CatalogConflictError);
      }
      assert.deepEqual(await store.load(), winners[0]);
    }),

  'an invalid catalog or one that does not advance the version is refused': (fixture) =>
    withStore(fixture, async (store) => {
      const v1 = testCatalog();
      const broken: Catalog = { ...v1, homeShard: 'nowhere' };
      await assert.rejects(store.save(broken, undefined), (error: unknown) => {
        assert.ok(error instanceof CatalogError);
        assert.match(error.message, /homeShard: unknown shard "nowhere"/);
        return true;
      });
      assert.equal(await store.load(), undefined);
      await store.save(v1, undefined);
      await assert.rejects(store.save({ ...v1, homeShard: 's1' }, 1), /does not advance the version/);
    }),

  'watchers get each saved catalog until they unsubscribe; a throwing watcher harms nobody': (fixture) =>
    withStore(fixture, async (store) => {
      const seen: number[] = [];
      const stop = store.watch((catalog) => seen.push(catalog.version));
      store.watch(() => {
        throw new Error('listener bug');
      });
      const v1 = testCatalog();
      await store.save(v1, undefined);
      await waitUntil(() => seen.includes(1), 2000, 'the watcher to see version 1');
      const v2 = withShardStatus(v1, 's1', 'readonly');
      await store.save(v2, 1);
      await waitUntil(() => seen.includes(2), 2000, 'the watcher to see version 2');
      stop();
      await store.save(withShardStatus(v2, 's1', 'active'), 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(seen, [1, 2]);
    }),

  'a second store on the same storage sees saves and conflicts': async (fixture) => {
    if (!fixture.sharesStorage) return;
    await withStore(fixture, async (first) => {
      await withStore(fixture, async (second) => {
        const v1 = testCatalog();
        await first.save(v1, undefined);
        assert.deepEqual(await second.load(), v1);
        await second.save(withShardStatus(v1, 's0', 'readonly'), 1);
        await rejectsWithConflict(first.save(withShardStatus(v1, 's1', 'readonly'), 1), 1, 2);
      });
    });
  },

  'a closed store refuses to be used': async (fixture) => {
    const store = fixture.open();
    await store.close();
    await store.close(); // twice is fine
    await assert.rejects(async () => store.load(), { code: CatalogErrorCode.closed });
    await assert.rejects(async () => store.save(testCatalog(), undefined), { code: CatalogErrorCode.closed });
  },
};
