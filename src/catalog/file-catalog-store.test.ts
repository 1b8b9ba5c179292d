import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withShardStatus } from './catalog-changes.js';
import { stringifyCatalog } from './catalog-document.js';
import { CatalogError, CatalogErrorCode } from './catalog-error.js';
import { catalogStoreContract } from './catalog-store-contract.js';
import { FileCatalogStore } from './file-catalog-store.js';
import { testCatalog } from './test-catalogs.js';

describe('FileCatalogStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, check] of Object.entries(catalogStoreContract)) {
    it(name, () => check({ open: () => new FileCatalogStore({ dataDir: dir }), sharesStorage: true }));
  }

  it('keeps the catalog as readable JSON in <dataDir>/catalog.json, creating the directory', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const store = new FileCatalogStore({ dataDir });
    await store.save(testCatalog(2), undefined);
    expect(store.path).toBe(join(dataDir, 'catalog.json'));
    const text = readFileSync(store.path, 'utf8');
    expect(text).toBe(stringifyCatalog(testCatalog(2)));
    expect(JSON.parse(text).shards[0].ranges[0].start).toBe('-9223372036854775808');
    expect(readdirSync(dataDir)).toEqual(['catalog.json']); // no temp file left behind
    await store.close();
  });

  it('names the file when its content is garbage or cut short', async () => {
    const store = new FileCatalogStore({ dataDir: dir });
    const file = join(dir, 'catalog.json');
    const full = stringifyCatalog(testCatalog(2));
    for (const content of ['', 'not json at all', full.slice(0, full.length / 2)]) {
      writeFileSync(file, content);
      const error = await store.load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as Error).message).toContain(`catalog file ${file} is not valid JSON`);
      expect((error as Error).message).toMatch(/restore it from a backup/);
    }
    // Valid JSON that is not a catalog: the problems name the fields.
    writeFileSync(file, JSON.stringify({ ...JSON.parse(full), version: -2, shards: 'none' }));
    await expect(store.load()).rejects.toThrow(
      new RegExp(
        `catalog file ${file} is not a valid catalog document:\\n {2}- version: expected an integer >= 0\\n {2}- shards: `,
      ),
    );
    await store.close();
  });

  it('refuses to save over a file it cannot read as a catalog, leaving the file alone', async () => {
    const store = new FileCatalogStore({ dataDir: dir });
    writeFileSync(join(dir, 'catalog.json'), '{"format": 1, "vers');
    await expect(store.save(testCatalog(2), undefined)).rejects.toThrow(/is not valid JSON/);
    expect(readFileSync(join(dir, 'catalog.json'), 'utf8')).toBe('{"format": 1, "vers');
    await store.close();
  });

  it('ignores temp files a crash left behind', async () => {
    const store = new FileCatalogStore({ dataDir: dir });
    await store.save(testCatalog(2), undefined);
    writeFileSync(join(dir, '.catalog.json.999.dead.tmp'), '{"half": ');
    expect((await store.load())?.version).toBe(1);
    await store.save(withShardStatus(testCatalog(2), 's0', 'readonly'), 1);
    expect((await store.load())?.version).toBe(2);
    await store.close();
  });

  it('reports an unreadable data directory as unavailable, not as a missing catalog', async () => {
    // A directory where the file should be: reading it fails with EISDIR, not ENOENT.
    const store = new FileCatalogStore({ dataDir: dir, fileName: 'sub' });
    mkdirSync(join(dir, 'sub'));
    await expect(store.load()).rejects.toMatchObject({ code: CatalogErrorCode.unavailable });
    await store.close();
  });

  it('notifies watchers of every store open on the same file in this process', async () => {
    const writer = new FileCatalogStore({ dataDir: dir });
    const reader = new FileCatalogStore({ dataDir: dir });
    const seen: number[] = [];
    reader.watch((catalog) => seen.push(catalog.version));
    await writer.save(testCatalog(2), undefined);
    expect(seen).toEqual([1]);
    await reader.close();
    await writer.save(withShardStatus(testCatalog(2), 's0', 'readonly'), 1);
    expect(seen).toEqual([1]);
    await writer.close();
  });
});
