// Starts Switchyard with change capture for the cdc suites: a cluster (embedded PGlite shards, or
// databases of a real PostgreSQL server) with a `cdc` section, and its Postgres front end. `restart`
// stops everything and starts it again on the same data (the same data folder, the same databases
// and slots), as a new process would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster } from '../../../src/cluster/cluster.js';
import { type ClusterConfig, parseConfig, type TableConfig } from '../../../src/cluster/config.js';
import { type FrontEnd, startFrontEnd } from '../../../src/cluster/front-end.js';
import type { PgServer } from '../../harness/postgres-server.js';

/** Where the shards are. */
export type Placement =
  | { readonly kind: 'embedded'; readonly shards: number }
  | { readonly kind: 'postgres'; readonly server: PgServer; readonly shards: number };

export interface CapturedOptions {
  readonly consumers: readonly string[];
  readonly tables?: Record<string, TableConfig>;
}

/** A running Switchyard with change capture. */
export interface CapturedSwitchyard {
  readonly cluster: Cluster;
  readonly frontEnd: FrontEnd;
  /** A connected node-postgres client of the front end (closed by `stop` and `restart`). */
  client(): Promise<pg.Client>;
  /** Stops and starts again on the same data. */
  restart(): Promise<void>;
  /** Stops and removes the data. */
  stop(): Promise<void>;
}

let clusters = 0;

/** Starts a cluster with change capture and its front end. */
export async function startCapturedSwitchyard(
  placement: Placement,
  options: CapturedOptions,
): Promise<CapturedSwitchyard> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cdc-'));
  const cdc = {
    consumers: [...options.consumers],
    pollIntervalMs: 20,
    statusIntervalMs: 100,
    lag: { checkIntervalMs: 0 },
  };
  let config: ClusterConfig;
  const databases: string[] = [];
  if (placement.kind === 'embedded') {
    config = parseConfig({ shards: placement.shards, dataDir, tables: options.tables ?? {}, cdc });
  } else {
    const prefix = `cdc${++clusters}_${process.pid}`;
    const admin = new pg.Client(placement.server.url());
    await admin.connect();
    const names = Array.from({ length: placement.shards }, (_, i) => `${prefix}_s${i}`);
    for (const db of [...names, `${prefix}_catalog`]) {
      await admin.query(`create database ${db}`);
      databases.push(db);
    }
    await admin.end();
    config = parseConfig({
      dataDir,
      shards: names.map((db, i) => ({ name: `s${i}`, primary: placement.server.url(db) })),
      catalog: { url: placement.server.url(`${prefix}_catalog`) },
      tables: options.tables ?? {},
      cdc,
    });
  }
  let cluster = await Cluster.start(config);
  let frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
  let clients: pg.Client[] = [];
  const halt = async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    clients = [];
    await frontEnd.close();
    await cluster.stop();
  };
  const handle: CapturedSwitchyard = {
    get cluster() {
      return cluster;
    },
    get frontEnd() {
      return frontEnd;
    },
    client: async () => {
      const client = new pg.Client({ connectionString: frontEnd.url });
      await client.connect();
      clients.push(client);
      return client;
    },
    restart: async () => {
      await halt();
      cluster = await Cluster.start(config);
      frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
    },
    stop: async () => {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
      if (placement.kind === 'postgres') {
        const admin = new pg.Client(placement.server.url());
        await admin.connect();
        // The slots hold the databases; drop them first.
        await admin.query(
          'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = ANY($1) AND NOT active',
          [databases],
        );
        for (const db of databases) await admin.query(`drop database if exists ${db} with (force)`);
        await admin.end();
      }
    },
  };
  return handle;
}
