// Failures injected into the file system while the store replaces catalog.json: whatever breaks, the
// previous catalog must stay intact and loadable, and no temp file may be left behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withShardStatus } from './catalog-changes.js';
import { stringifyCatalog } from './catalog-document.js';
import { CatalogErrorCode } from './catalog-error.js';
import { FileCatalogStore } from './file-catalog-store.js';
import { testCatalog } from './test-catalogs.js';

type Fault = 'half-write' | 'sync' | 'rename' | undefined;
const injected = vi.hoisted(() => ({ fault: undefined as Fault }));

function ioError(code: string): Error {
  return Object.assign(new Error(`${code}: injected failure`), { code });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      return new Proxy(handle, {
        get(target, property) {
          if (property === 'writeFile' && injected.fault === 'half-write') {
            // The disk fills up halfway through: half the document reaches the file.
            return async (data: string) => {
              await target.write(data.slice(0, Math.floor(data.length / 2)));
              throw ioError('ENOSPC');
            };
          }
          if (property === 'sync' && injected.fault === 'sync')
            return async () => Promise.reject(ioError('EIO'));
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (injected.fault === 'rename') throw ioError('EIO');
      return real.rename(...args);
    },
  };
});

describe('FileCatalogStore under injected write failures', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-faults-'));
    injected.fault = undefined;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const fault of ['half-write', 'sync', 'rename'] as const) {
    it(`a ${fault} failure leaves the previous catalog intact and loadable`, async () => {
      const store = new FileCatalogStore({ dataDir: dir });
      const v1 = testCatalog(2);
      await store.save(v1, undefined);
      const before = readFileSync(store.path, 'utf8');

      injected.fault = fault;
      const v2 = withShardStatus(v1, 's0', 'readonly');
      const error = await store.save(v2, 1).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: CatalogErrorCode.unavailable });
      expect((error as Error).message).toContain(`cannot write catalog file ${store.path}`);
      expect((error as Error).message).toContain('the previous catalog is unchanged');
      injected.fault = undefined;

      expect(readFileSync(store.path, 'utf8')).toBe(before);
      expect(readdirSync(dir)).toEqual(['catalog.json']);
      const reopened = new FileCatalogStore({ dataDir: dir });
      expect(await reopened.load()).toEqual(v1);
      // The store is still usable: the failed save did not take the version.
      await store.save(v2, 1);
      expect(readFileSync(store.path, 'utf8')).toBe(stringifyCatalog(v2));
      await Promise.all([store.close(), reopened.close()]);
    });
  }

  it('a failure on the very first save leaves no catalog rather than a broken one', async () => {
    const store = new FileCatalogStore({ dataDir: dir });
    injected.fault = 'half-write';
    await expect(store.save(testCatalog(2), undefined)).rejects.toMatchObject({
      code: CatalogErrorCode.unavailable,
    });
    injected.fault = undefined;
    expect(await store.load()).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    await store.close();
  });
});
