// The catalog of a distributed cluster: one row of a table in the catalog database, written with
// optimistic concurrency (UPDATE … WHERE version = base) and announced with NOTIFY, so every router
// LISTENing on its own connection reloads within moments. A broken LISTEN connection is reopened and
// followed by a reload, so a change made while it was down is not missed.
import pg from 'pg';
import { createTableOnce } from '../util/create-table-once.js';
import { ConfigError } from '../util/errors.js';
import { type Logger, loggerFor } from '../util/logger.js';
import type { Catalog } from './catalog.js';
import { catalogFromDocument, catalogToDocument } from './catalog-document.js';
import { CatalogConflictError, CatalogError, CatalogErrorCode, CatalogStoreError } from './catalog-error.js';
import { CatalogListeners } from './catalog-listeners.js';
import { type CatalogListener, type CatalogStore, checkCatalogToSave } from './catalog-store.js';
import { deepFreeze } from './deep-freeze.js';
import { ListenConnection } from './listen-connection.js';

/** How to reach the catalog database and what to call things in it. */
export interface PostgresCatalogStoreOptions {
  /** The catalog database: a connection string or node-postgres client settings. */
  readonly connection: string | pg.ClientConfig;
  /** Table holding the catalog (created if missing); default `switchyard_catalog`. */
  readonly table?: string;
  /** NOTIFY/LISTEN channel; default the table name. */
  readonly channel?: string;
  /** Connections for load and save; default 2. */
  readonly poolSize?: number;
  /** Give up connecting after this long; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Give up on a query after this long; default 10000 ms. */
  readonly queryTimeoutMs?: number;
  /** First delay before reopening a broken LISTEN connection, doubled up to `maxReconnectDelayMs`; default 100. */
  readonly reconnectDelayMs?: number;
  /** Longest delay between LISTEN reconnect attempts; default 1000 ms. */
  readonly maxReconnectDelayMs?: number;
  readonly logger?: Logger;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A `CatalogStore` in a PostgreSQL database (distributed mode). Watching opens one dedicated LISTEN
 * connection, kept open (and reopened after failures) until `close()`.
 *
 * @example
 *   const store = new PostgresCatalogStore({ connection: 'postgres://switchyard@catalog-db/switchyard' });
 *   const stop = store.watch((catalog) => console.log('catalog now at version', catalog.version));
 */
export class PostgresCatalogStore implements CatalogStore {
  readonly #pool: pg.Pool;
  readonly #clientConfig: pg.ClientConfig;
  readonly #table: string;
  readonly #channel: string;
  readonly #target: string;
  readonly #logger: Logger;
  readonly #listeners: CatalogListeners;
  readonly #listen: ListenConnection;
  #schemaReady: Promise<void> | undefined;
  #closed = false;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  constructor(options: PostgresCatalogStoreOptions) {
    this.#table = options.table ?? 'switchyard_catalog';
    this.#channel = options.channel ?? this.#table;
    for (const [what, name] of [
      ['table', this.#table],
      ['channel', this.#channel],
    ] as const) {
      if (!IDENTIFIER.test(name)) {
        throw new ConfigError('invalid catalog store settings', [
          `${what}: "${name}" is not a plain identifier; use lower-case letters, digits and "_" (at most 63)`,
        ]);
      }
    }
    const base =
      typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
    this.#clientConfig = {
      ...base,
      connectionTimeoutMillis: options.connectTimeoutMs ?? base.connectionTimeoutMillis ?? 5000,
      query_timeout: options.queryTimeoutMs ?? base.query_timeout ?? 10_000,
      keepAlive: true,
      application_name: 'switchyard-catalog',
    };
    const probe = new pg.Client(this.#clientConfig); // parses the settings; never connected
    this.#target = `${probe.host}:${probe.port}/${probe.database ?? ''}`;
    this.#logger = options.logger ?? loggerFor('catalog', { store: this.#target });
    this.#listeners = new CatalogListeners(this.#logger);
    const reconnectDelayMs = options.reconnectDelayMs ?? 100;
    this.#listen = new ListenConnection({
      clientConfig: this.#clientConfig,
      channel: this.#channel,
      reconnectDelayMs,
      maxReconnectDelayMs: Math.max(options.maxReconnectDelayMs ?? 1000, reconnectDelayMs),
      logger: this.#logger,
      onNotification: (payload) => {
        // The payload is the new version: skip the reload for one this store already delivered.
        const version = Number(payload);
        if (!(Number.isFinite(version) && version <= this.#listeners.deliveredVersion)) this.#reload();
      },
      // Whatever changed before LISTEN took effect produced no notification for us: look now.
      onListening: () => this.#reload(),
    });
    this.#pool = new pg.Pool({
      ...this.#clientConfig,
      max: options.poolSize ?? 2,
      idleTimeoutMillis: 10_000,
    });
    // An idle pooled connection that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    this.#pool.on('error', (error) => this.#logger.debug({ err: error }, 'idle catalog connection lost'));
  }

  /** {@inheritDoc CatalogStore.load} */
  async load(): Promise<Catalog | undefined> {
    this.#checkOpen();
    const { rows } = await this.#query<{ version: string; document: unknown }>(
      `select version, document from ${this.#table} where id = 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    const source = `catalog table ${this.#table} at ${this.#target}`;
    const catalog = catalogFromDocument(row.document, source);
    if (catalog.version !== Number(row.version)) {
      throw new CatalogError(`${source} is inconsistent`, [
        `version: the row says ${row.version} but its document says ${catalog.version}; fix the row by hand or restore it`,
      ]);
    }
    return catalog;
  }

  /** {@inheritDoc CatalogStore.save} */
  async save(next: Catalog, baseVersion: number | undefined): Promise<void> {
    this.#checkOpen();
    checkCatalogToSave(next, baseVersion);
    const document = JSON.stringify(catalogToDocument(next));
    // The NOTIFY is part of the same statement, so it is sent exactly when the change commits.
    const write =
      baseVersion === undefined
        ? `insert into ${this.#table} (id, version, document, updated_at) values (1, $1, $2::jsonb, $3)
             on conflict (id) do nothing returning version`
        : `update ${this.#table} set version = $1, document = $2::jsonb, updated_at = $3
             where id = 1 and version = $5 returning version`;
    const params: unknown[] = [next.version, document, next.updatedAt, this.#channel];
    if (baseVersion !== undefined) params.push(baseVersion);
    const { rows } = await this.#query(
      `with written as (${write}) select pg_notify($4, version::text) from written`,
      params,
    );
    if (rows.length === 0) {
      const current = await this.#query<{ version: string }>(
        `select version from ${this.#table} where id = 1`,
      );
      const stored = current.rows[0];
      throw new CatalogConflictError(baseVersion, stored === undefined ? undefined : Number(stored.version));
    }
    this.#listeners.emit(deepFreeze(next));
  }

  /** {@inheritDoc CatalogStore.watch} */
  watch(listener: CatalogListener): () => void {
    this.#checkOpen();
    const unsubscribe = this.#listeners.add(listener);
    this.#listen.start();
    return unsubscribe;
  }

  /** {@inheritDoc CatalogStore.close} */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    await Promise.allSettled([this.#listen.close(), this.#pool.end(), this.#reloading]);
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    await this.#ensureSchema();
    try {
      return await this.#pool.query<R>(text, params);
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  #ensureSchema(): Promise<void> {
    this.#schemaReady ??= this.#createSchema().catch((error: unknown) => {
      this.#schemaReady = undefined; // try again on the next call
      throw this.#unavailable(error);
    });
    return this.#schemaReady;
  }

  #createSchema(): Promise<void> {
    return createTableOnce(
      this.#pool,
      this.#table,
      `create table if not exists ${this.#table} (
        id int primary key check (id = 1),
        version bigint not null check (version >= 0),
        document jsonb not null,
        updated_at timestamptz not null default now()
      )`,
    );
  }

  #unavailable(error: unknown): Error {
    if (error instanceof CatalogStoreError || error instanceof CatalogError) return error;
    const sqlState = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    // Class 08 (connection exception) and 57P (server shutting down) mean "unreachable"; other
    // SQLSTATEs are the server refusing our statements (permissions, a damaged table).
    const refused =
      typeof sqlState === 'string' && /^[0-9A-Z]{5}$/.test(sqlState) && !/^(08|57P)/.test(sqlState);
    return new CatalogStoreError(
      CatalogErrorCode.unavailable,
      refused
        ? `catalog database ${this.#target} refused a query on ${this.#table}: ${message} (SQLSTATE ${sqlState}); ` +
            `check the catalog user's privileges and the ${this.#table} table`
        : `catalog database ${this.#target} is unreachable: ${message}; check that it is running and reachable`,
      { cause: error },
    );
  }

  /** Loads and delivers the catalog; reloads coalesce so a burst of notifications costs one or two loads. */
  #reload(): void {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        try {
          const catalog = await this.load();
          if (catalog) this.#listeners.emit(catalog);
        } catch (error) {
          if (!this.#closed)
            this.#logger.warn({ err: error }, 'could not reload the catalog after a change notice');
        }
      } while (this.#reloadAgain && !this.#closed);
    })().finally(() => {
      this.#reloading = undefined;
    });
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new CatalogStoreError(
        CatalogErrorCode.closed,
        `the catalog store for ${this.#target} is closed; open a new one`,
      );
    }
  }
}
