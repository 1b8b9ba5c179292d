// A running Switchyard cluster: the catalog (store + cache) and one backend per shard, wired from a
// validated configuration. Embedded mode (shards: N) opens PGlite shards under the data folder;
// distributed mode opens a pool per PostgreSQL shard. Both go through the same interfaces.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { createShardBackend } from '../backend/create-shard-backend.js';
import type { ShardBackend } from '../backend/shard-backend.js';
import type { Catalog, ShardInfo } from '../catalog/catalog.js';
import { CatalogCache } from '../catalog/catalog-cache.js';
import { withTable } from '../catalog/catalog-changes.js';
import type { CatalogStore } from '../catalog/catalog-store.js';
import { FileCatalogStore } from '../catalog/file-catalog-store.js';
import { PostgresCatalogStore } from '../catalog/postgres-catalog-store.js';
import { loadOrCreateCatalog, updateCatalog } from '../catalog/update-catalog.js';
import { ChangeCapture } from '../cdc/change-capture.js';
import { Coordinator, FileTxnLog, PostgresTxnLog, type TxnLog } from '../txn/index.js';
import { ConfigError, SwitchyardError } from '../util/errors.js';
import { type Logger, loggerFor } from '../util/logger.js';
import { type ClusterConfig, shardNames } from './config.js';
import { initialCatalog, tableRules } from './initial-catalog.js';

/** How a cluster starts. */
export interface ClusterStartOptions {
  readonly logger?: Logger;
  /** Where the PGlite template is cached (tests share one); default: PGlite's default cache. */
  readonly templateCacheDir?: string;
}

/**
 * A started cluster. Start it with `Cluster.start(config)`, stop it with `stop()`.
 *
 * @example
 *   const cluster = await Cluster.start(parseConfig({ shards: 4, dataDir: './data' }));
 *   const rows = await cluster.backend('s0').query('select 1');
 *   await cluster.stop();
 */
export class Cluster {
  readonly #backends: ReadonlyMap<string, ShardBackend>;
  /** Change capture, when the configuration has a `cdc` section. */
  #changes: ChangeCapture | undefined;
  #stopping: Promise<void> | undefined;
  /** Two-phase commit and recovery (src/txn), unless `transactions.enabled` is false. */
  coordinator: Coordinator | undefined;
  /** Shards that cannot take part in two-phase commit, and why (checked at start). */
  readonly twoPhaseRefusals = new Map<string, Error>();
  #txnLog: TxnLog | undefined;

  private constructor(
    readonly config: ClusterConfig,
    readonly store: CatalogStore,
    readonly catalog: CatalogCache,
    backends: ReadonlyMap<string, ShardBackend>,
    readonly logger: Logger,
  ) {
    this.#backends = backends;
  }

  /** Keeps the coordinator's log, closed by `stop()`. */
  setTxnLog(log: TxnLog): void {
    this.#txnLog = log;
  }

  /** True when the shards are embedded PGlite databases. */
  get embedded(): boolean {
    return typeof this.config.shards === 'number';
  }

  /**
   * Opens the catalog (creating it on first start), reconciles it with the configuration and opens
   * every shard. Anything opened is closed again if a later step fails.
   */
  static async start(config: ClusterConfig, options: ClusterStartOptions = {}): Promise<Cluster> {
    const logger = options.logger ?? loggerFor('cluster');
    mkdirSync(config.dataDir, { recursive: true });
    const store: CatalogStore = config.catalog.url
      ? new PostgresCatalogStore({ connection: config.catalog.url, logger: loggerFor('catalog') })
      : new FileCatalogStore({ dataDir: config.dataDir });
    const opened: { cache?: CatalogCache; backends: ShardBackend[] } = { backends: [] };
    try {
      const stored = await loadOrCreateCatalog(store, () => initialCatalog(config));
      checkShardsMatch(config, stored, store);
      await addConfiguredTables(config, stored, store, logger);
      opened.cache = await CatalogCache.open(store, { pollIntervalMs: config.catalog.pollIntervalMs });
      const catalog = opened.cache.current();
      const results = await Promise.allSettled(
        catalog.shards.filter((s) => s.status !== 'inactive').map((s) => openBackend(config, s, options)),
      );
      for (const r of results) if (r.status === 'fulfilled') opened.backends.push(r.value);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const cluster = new Cluster(
        config,
        store,
        opened.cache,
        new Map(opened.backends.map((b) => [b.shard, b])),
        logger,
      );
      if (config.transactions.enabled) cluster.coordinator = await startCoordinator(cluster, config);
      // --- change capture (src/cdc) ---
      if (config.cdc) cluster.#changes = await startChangeCapture(cluster, config.cdc);
      // --- end of change capture ---
      logger.info(
        { version: catalog.version, shards: catalog.shards.map((s) => s.name), embedded: cluster.embedded },
        'cluster started',
      );
      return cluster;
    } catch (error) {
      await Promise.allSettled(opened.backends.map((b) => b.close()));
      opened.cache?.close();
      await store.close();
      throw error;
    }
  }

  /** The backend of the shard named `name`. */
  backend(name: string): ShardBackend {
    const backend = this.#backends.get(name);
    if (!backend) {
      throw new SwitchyardError(
        '22023',
        `unknown or inactive shard "${name}"; shards: ${[...this.#backends.keys()].join(', ')}`,
      );
    }
    return backend;
  }

  /** Every open shard backend, in catalog order. */
  backends(): ShardBackend[] {
    return [...this.#backends.values()];
  }

  /**
   * Change capture: one ChangeSource per shard and configured consumer.
   *
   * @throws ConfigError when the configuration has no `cdc` section.
   */
  get changes(): ChangeCapture {
    if (!this.#changes) {
      throw new ConfigError(
        'change capture is not configured: add a cdc section, e.g. cdc: { consumers: [views] }',
      );
    }
    return this.#changes;
  }

  /** The shards of the current catalog. */
  shards(): readonly ShardInfo[] {
    return this.catalog.current().shards;
  }

  /** Closes every shard (flushing embedded shards to disk) and the catalog. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#changes?.close();
      await this.coordinator?.stop();
      await this.#txnLog?.close();
      const results = await Promise.allSettled(this.backends().map((b) => b.close()));
      this.catalog.close();
      await this.store.close();
      for (const r of results)
        if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'closing a shard failed');
      this.logger.info('cluster stopped');
    })();
    return this.#stopping;
  }
}

async function openBackend(
  config: ClusterConfig,
  shard: ShardInfo,
  options: ClusterStartOptions,
): Promise<ShardBackend> {
  return createShardBackend(shard.name, shard.primary, {
    baseDir: config.dataDir,
    pglite: options.templateCacheDir ? { templateCacheDir: options.templateCacheDir } : {},
    postgres: {
      poolSize: config.pool.size,
      connectTimeoutMs: config.pool.connectTimeoutMs,
      idleTimeoutMs: config.pool.idleTimeoutMs,
      ...(config.pool.statementTimeoutMs > 0 ? { statementTimeoutMs: config.pool.statementTimeoutMs } : {}),
    },
  });
}

/**
 * After the first start the catalog is authoritative for shards: a configuration naming other
 * shards is refused rather than silently re-sharding data.
 */
function checkShardsMatch(config: ClusterConfig, catalog: Catalog, store: CatalogStore): void {
  const configured = shardNames(config).join(', ');
  const stored = catalog.shards.map((s) => s.name).join(', ');
  if (configured !== stored) {
    const where = store instanceof FileCatalogStore ? store.path : 'the catalog database';
    throw new ConfigError(
      `the configuration names shards [${configured}] but the cluster's catalog (${where}) has [${stored}]. ` +
        'Shards of an existing cluster change through resharding, not the configuration: restore the shard list, ' +
        `or point dataDir at a new folder (now ${config.dataDir}) to start a new cluster`,
    );
  }
}

/** Tables named in the configuration but not yet in the catalog are added; existing rules are kept. */
async function addConfiguredTables(
  config: ClusterConfig,
  catalog: Catalog,
  store: CatalogStore,
  logger: Logger,
): Promise<void> {
  const rules = tableRules(config.tables);
  const missing = Object.keys(rules).filter((name) => !catalog.tables[name]);
  if (missing.length === 0) return;
  await updateCatalog(store, (current) =>
    missing.reduce((next, name) => (next.tables[name] ? next : withTable(next, name, rules[name]!)), current),
  );
  logger.info({ tables: missing }, 'added configured tables to the catalog');
}

// --- change capture (src/cdc) ---
/** Installs capture on every open shard and registers the configured consumers. */
function startChangeCapture(
  cluster: Cluster,
  cdc: NonNullable<ClusterConfig['cdc']>,
): Promise<ChangeCapture> {
  return ChangeCapture.start(
    cluster
      .shards()
      .filter((s) => s.status !== 'inactive')
      .map((s) => ({ id: s.id, name: s.name, primary: s.primary, backend: cluster.backend(s.name) })),
    {
      consumers: cdc.consumers,
      pollIntervalMs: cdc.pollIntervalMs,
      statusIntervalMs: cdc.statusIntervalMs,
      lagThresholds: { bytes: cdc.lag.warnBytes, seconds: cdc.lag.warnSeconds },
      lagCheckIntervalMs: cdc.lag.checkIntervalMs,
      connectTimeoutMs: cluster.config.pool.connectTimeoutMs,
      logger: loggerFor('cdc'),
    },
  );
}
// --- end of change capture ---

/**
 * The two-phase-commit coordinator: its log in the data folder (embedded) or in the catalog database
 * (distributed), recovery run now and every `recoveryIntervalMs`, and each shard's
 * max_prepared_transactions checked once (a shard that has none is recorded, and writes across
 * shards that involve it are refused naming the setting).
 */
async function startCoordinator(cluster: Cluster, config: ClusterConfig): Promise<Coordinator> {
  const settings = config.transactions;
  const log: TxnLog = config.catalog.url
    ? new PostgresTxnLog({ connection: config.catalog.url })
    : await FileTxnLog.open({ dataDir: config.dataDir });
  cluster.setTxnLog(log);
  const routerId = settings.routerId ?? defaultRouterId();
  const coordinator = new Coordinator({
    log,
    shards: cluster,
    routerId,
    transactionTimeoutMs: settings.timeoutMs,
    abortRetentionMs: Math.max(3_600_000, 2 * settings.timeoutMs),
    // One process owns an embedded cluster: what an earlier process left undecided is aborted at once.
    soleCoordinator: cluster.embedded,
    logger: loggerFor('txn', { router: routerId }),
  });
  // Recovery first: on an embedded shard a prepared transaction left by a crash holds the shard,
  // and the max_prepared_transactions check would wait for it.
  await coordinator.startRecovery(settings.recoveryIntervalMs);
  const backends = cluster.backends();
  const checks = await Promise.allSettled(backends.map((b) => coordinator.requireTwoPhase(b.shard)));
  checks.forEach((r, i) => {
    const shard = backends[i]?.shard ?? '?';
    if (r.status === 'rejected') {
      cluster.twoPhaseRefusals.set(shard, r.reason as Error);
      cluster.logger.warn({ shard, err: r.reason }, 'this shard cannot take part in two-phase commit');
    }
  });
  return coordinator;
}

/** The host name, reduced to the characters a transaction id may hold. */
function defaultRouterId(): string {
  const name = hostname()
    .replace(/[^A-Za-z0-9.:-]/g, '-')
    .slice(0, 64);
  return name.length > 0 ? name : 'router';
}
