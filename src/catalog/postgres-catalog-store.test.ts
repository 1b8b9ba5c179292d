import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../../test/harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../../test/harness/postgres-server.js';
import type { Catalog } from './catalog.js';
import { CatalogCache } from './catalog-cache.js';
import { withShardStatus, withTable } from './catalog-changes.js';
import { CatalogConflictError, CatalogErrorCode } from './catalog-error.js';
import type { CatalogStore } from './catalog-store.js';
import { catalogStoreContract, waitUntil } from './catalog-store-contract.js';
import { PostgresCatalogStore, type PostgresCatalogStoreOptions } from './postgres-catalog-store.js';
import { referenceTable } from './table-rules.js';
import { testCatalog } from './test-catalogs.js';

function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Saves, retrying while the server is still coming back (a pooled connection may be dead). */
async function saveWhenUp(store: CatalogStore, next: Catalog, base: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await store.save(next, base);
    } catch (error) {
      if ((error as { code?: string }).code !== CatalogErrorCode.unavailable || Date.now() > deadline)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describeWithPostgres('PostgresCatalogStore', () => {
  let server: PgServer;
  let tableCount = 0;
  const opened: CatalogStore[] = [];
  /** A store on its own fresh table, closed after the suite. */
  const openStore = (
    options: Partial<PostgresCatalogStoreOptions> = {},
    table = `catalog_${++tableCount}`,
  ) => {
    const store = new PostgresCatalogStore({ connection: server.url(), table, ...options });
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    // Durable commits: kill() is a crash, and the harness default (synchronous_commit=off) may lose
    // the last commits, which a real catalog database would not.
    server = await startPostgres({ settings: { synchronous_commit: 'on' } });
  });
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
    server?.stop();
  });

  for (const [name, check] of Object.entries(catalogStoreContract)) {
    it(name, () => {
      const table = `contract_${++tableCount}`;
      return check({ open: () => openStore({}, table), sharesStorage: true });
    });
  }

  it('creates its table and keeps the catalog as one jsonb row', async () => {
    const store = openStore({}, 'switchyard_catalog');
    await store.save(testCatalog(2), undefined);
    const client = new pg.Client(server.url());
    await client.connect();
    try {
      const { rows } = await client.query('select id, version, document, updated_at from switchyard_catalog');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: 1, version: '1', updated_at: new Date('2026-01-01T00:00:00Z') });
      expect(rows[0].document.shards[0].ranges[0].start).toBe('-9223372036854775808');
      await expect(client.query('insert into switchyard_catalog values (2, 1, $1)', ['{}'])).rejects.toThrow(
        /check constraint/,
      );
      // A row edited by hand so that its version and document disagree is refused on load.
      await client.query('update switchyard_catalog set version = 7');
      await expect(store.load()).rejects.toThrow(/row says 7 but its document says 1/);
    } finally {
      await client.end();
    }
  });

  it('of concurrent saves by separate routers from the same version exactly one wins', async () => {
    const table = `race_${++tableCount}`;
    const routers = Array.from({ length: 6 }, () => openStore({}, table));
    const v1 = testCatalog(2);
    await routers[0]!.save(v1, undefined);
    const results = await Promise.allSettled(
      routers.map((store, i) => store.save(withTable(v1, `t${i}`, referenceTable()), 1)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(CatalogConflictError);
    }
    const stored = await routers[5]!.load();
    expect(Object.keys(stored!.tables).filter((t) => /^t\d$/.test(t))).toHaveLength(1);
  });

  it("another router's watcher sees a save within a second", async () => {
    const table = `watch_${++tableCount}`;
    const writer = openStore({}, table);
    const reader = openStore({}, table);
    const v1 = testCatalog(2);
    await writer.save(v1, undefined);
    const seen: number[] = [];
    reader.watch((catalog) => seen.push(catalog.version));
    await waitUntil(() => seen.includes(1), 1000, 'the watcher to get the current catalog once listening');
    await writer.save(withShardStatus(v1, 's0', 'readonly'), 1);
    await waitUntil(() => seen.includes(2), 1000, "the other router's watcher to see version 2");
    expect(seen).toEqual([1, 2]);
  });

  it('reopens a broken LISTEN connection and reloads, so a change made meanwhile is not missed', async () => {
    const table = `reconnect_${++tableCount}`;
    const log = capturedLogger();
    const writer = openStore({}, table);
    // A slow first reconnect keeps the reader deaf while the writer saves after the restart.
    const reader = openStore({ reconnectDelayMs: 1500, logger: log.logger }, table);
    const v1 = testCatalog(2);
    await writer.save(v1, undefined);
    const seen: number[] = [];
    reader.watch((catalog) => seen.push(catalog.version));
    await waitUntil(() => seen.includes(1), 2000, 'the first delivery');

    server.kill();
    server.start();
    const v2 = withShardStatus(v1, 's1', 'readonly');
    await saveWhenUp(writer, v2, 1);
    await waitUntil(() => seen.includes(2), 5000, 'the change made while LISTEN was down');
    expect(log.lines.map((l) => l.msg)).toEqual([
      'catalog LISTEN connection lost; reconnecting (catalog changes are picked up on reconnect)',
      'catalog LISTEN connection restored; reloading the catalog',
    ]);

    // Listening again: later changes arrive by notification.
    await writer.save(withShardStatus(v2, 's1', 'active'), 2);
    await waitUntil(() => seen.includes(3), 1000, 'a notification after the reconnect');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a cache keeps serving while the catalog database is down, and catches up when it returns', async () => {
    const table = `cache_${++tableCount}`;
    const log = capturedLogger();
    const store = openStore({ logger: log.logger }, table);
    const v1 = testCatalog(3);
    await store.save(v1, undefined);
    const cache = await CatalogCache.open(store, { pollIntervalMs: 0, logger: log.logger });
    try {
      server.kill();
      await expect(store.load()).rejects.toThrow(
        new RegExp(
          `^catalog database 127.0.0.1:${server.port}/postgres is unreachable: .*; check that it is running and reachable$`,
        ),
      );
      for (let i = 0; i < 3; i++) expect(await cache.refresh()).toEqual(v1);
      expect(cache.current()).toEqual(v1);
      expect(cache.storeReachable).toBe(false);
      expect(log.lines.filter((l) => l.msg.startsWith('catalog store unreachable'))).toHaveLength(1);
    } finally {
      server.start();
    }
    const other = openStore({}, table);
    await saveWhenUp(other, withShardStatus(v1, 's2', 'readonly'), 1);
    await waitUntil(() => cache.current().version === 2, 5000, 'the cache to see version 2');
    await cache.refresh();
    expect(cache.storeReachable).toBe(true);
    expect(log.lines.filter((l) => l.msg === 'catalog store reachable again')).toHaveLength(1);
    await cache.close();
  });

  it('refuses table and channel names that are not plain identifiers', () => {
    expect(() => new PostgresCatalogStore({ connection: server.url(), table: 'cat; drop table x' })).toThrow(
      /table: "cat; drop table x" is not a plain identifier/,
    );
  });
});
