// The catalog of an embedded cluster: one JSON file in the data directory. A save replaces the file
// atomically (temp file in the same directory, fsync, rename, fsync the directory), so a crash at
// any moment leaves either the old catalog or the new one, never a mix.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type Logger, loggerFor } from '../util/logger.js';
import type { Catalog } from './catalog.js';
import { parseCatalog, stringifyCatalog } from './catalog-document.js';
import { CatalogConflictError, CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import { CatalogListeners } from './catalog-listeners.js';
import { type CatalogListener, type CatalogStore, checkCatalogToSave } from './catalog-store.js';

/** Where a `FileCatalogStore` keeps its file. */
export interface FileCatalogStoreOptions {
  /** The cluster's data directory; created on the first save if missing. */
  readonly dataDir: string;
  /** File name inside `dataDir`; default `catalog.json`. */
  readonly fileName?: string;
  readonly logger?: Logger;
}

// Every store open on the same file in this process: saves are serialized per file and notify all of
// them, so two parts of one process watching the same catalog see each other's changes.
const storesByPath = new Map<string, Set<FileCatalogStore>>();
const saveQueueByPath = new Map<string, Promise<unknown>>();

/**
 * A `CatalogStore` backed by one JSON file (embedded mode). Watchers in this process are notified on
 * every save through any store open on the same file; changes written by another process are seen by
 * the next `load()` (a `CatalogCache` polls), not by watchers.
 *
 * @example
 *   const store = new FileCatalogStore({ dataDir: './switchyard-data' });
 *   const catalog = await store.load(); // undefined on a fresh data directory
 */
export class FileCatalogStore implements CatalogStore {
  /** Absolute path of the catalog file. */
  readonly path: string;
  readonly #listeners: CatalogListeners;
  #closed = false;

  constructor(options: FileCatalogStoreOptions) {
    this.path = resolve(options.dataDir, options.fileName ?? 'catalog.json');
    this.#listeners = new CatalogListeners(options.logger ?? loggerFor('catalog', { file: this.path }));
    const siblings = storesByPath.get(this.path) ?? new Set();
    storesByPath.set(this.path, siblings.add(this));
  }

  /** {@inheritDoc CatalogStore.load} */
  async load(): Promise<Catalog | undefined> {
    this.#checkOpen();
    return this.#read();
  }

  /** {@inheritDoc CatalogStore.save} */
  async save(next: Catalog, baseVersion: number | undefined): Promise<void> {
    this.#checkOpen();
    checkCatalogToSave(next, baseVersion);
    const text = stringifyCatalog(next);
    // The version check and the rename must not interleave with another save of the same file.
    const previous = saveQueueByPath.get(this.path) ?? Promise.resolve();
    const saving = previous
      .catch(() => {})
      .then(async () => {
        const stored = await this.#read();
        if (stored?.version !== baseVersion) throw new CatalogConflictError(baseVersion, stored?.version);
        await this.#replaceFile(text);
      });
    saveQueueByPath.set(this.path, saving);
    try {
      await saving;
    } finally {
      if (saveQueueByPath.get(this.path) === saving) saveQueueByPath.delete(this.path);
    }
    // Watchers get the catalog as read back, frozen and identical to what load() returns.
    const saved = parseCatalog(text, `catalog file ${this.path}`);
    for (const store of storesByPath.get(this.path) ?? []) store.#listeners.emit(saved);
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
    const siblings = storesByPath.get(this.path);
    siblings?.delete(this);
    if (siblings?.size === 0) storesByPath.delete(this.path);
  }

  async #read(): Promise<Catalog | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CatalogStoreError(
        CatalogErrorCode.unavailable,
        `cannot read catalog file ${this.path} (${(error as Error).message}); check that the data directory is readable`,
        { cause: error },
      );
    }
    return parseCatalog(text, `catalog file ${this.path}`);
  }

  async #replaceFile(text: string): Promise<void> {
    const dir = dirname(this.path);
    // Same directory as the target: rename is only atomic within one file system.
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${randomUUID()}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw new CatalogStoreError(
        CatalogErrorCode.unavailable,
        `cannot write catalog file ${this.path} (${(error as Error).message}); the previous catalog is unchanged — ` +
          'check free space and permissions of the data directory, then retry',
        { cause: error },
      );
    }
    await syncDirectory(dir);
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new CatalogStoreError(
        CatalogErrorCode.closed,
        `the catalog store for ${this.path} is closed; open a new one`,
      );
    }
  }
}

/** Makes the rename durable: until the directory entry is flushed, a power loss may undo it. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms and file systems cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => {});
  }
}
