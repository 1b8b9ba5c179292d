// Starts Switchyard for front-end suites: a cluster (embedded PGlite shards, or databases on a real
// PostgreSQL server) plus its Postgres front end on a free loopback port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig, type TableConfig } from '../../src/cluster/config.js';
import { type FrontEnd, startFrontEnd } from '../../src/cluster/front-end.js';
import { installSampleData } from '../../src/cluster/install-sample-data.js';
import { sampleTables } from '../../src/cluster/sample-data.js';
import type { PgServer } from '../harness/postgres-server.js';

/** A running Switchyard for a test. */
export interface Switchyard {
  readonly cluster: Cluster;
  readonly frontEnd: FrontEnd;
  /** Connection string of the front end. */
  readonly url: string;
  readonly port: number;
  /** A connected node-postgres client (closed by `stop`). */
  client(): Promise<pg.Client>;
  stop(): Promise<void>;
}

/** Where the shards are. */
export type ShardPlacement =
  | { readonly kind: 'embedded'; readonly shards: number }
  | { readonly kind: 'postgres'; readonly server: PgServer; readonly shards: number };

export interface StartOptions {
  readonly tables?: Record<string, TableConfig>;
  /** Create the sample multi-tenant data set (its tables are added to `tables`). */
  readonly sample?: boolean;
  /** `maxConnections` of the configuration. */
  readonly maxConnections?: number;
  /** `transactions` of the configuration. */
  readonly transactions?: Record<string, unknown>;
}

let databases = 0;

/** Starts a cluster with the given shards and its front end. */
export async function startSwitchyard(
  placement: ShardPlacement,
  options: StartOptions = {},
): Promise<Switchyard> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-frontend-'));
  const tables = { ...(options.sample ? sampleTables : {}), ...options.tables };
  let config: ReturnType<typeof parseConfig>;
  if (placement.kind === 'embedded') {
    config = parseConfig({
      shards: placement.shards,
      dataDir,
      tables,
      maxConnections: options.maxConnections ?? 200,
      ...(options.transactions ? { transactions: options.transactions } : {}),
    });
  } else {
    const prefix = `sy${++databases}_${process.pid}`;
    const admin = new pg.Client(placement.server.url());
    await admin.connect();
    const names = Array.from({ length: placement.shards }, (_, i) => `${prefix}_s${i}`);
    for (const db of [...names, `${prefix}_catalog`]) await admin.query(`create database ${db}`);
    await admin.end();
    config = parseConfig({
      dataDir,
      shards: names.map((db, i) => ({ name: `s${i}`, primary: placement.server.url(db) })),
      catalog: { url: placement.server.url(`${prefix}_catalog`) },
      tables,
      maxConnections: options.maxConnections ?? 200,
      ...(options.transactions ? { transactions: options.transactions } : {}),
    });
  }
  const cluster = await Cluster.start(config);
  if (options.sample) await installSampleData(cluster);
  const frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
  const clients: pg.Client[] = [];
  return {
    cluster,
    frontEnd,
    url: frontEnd.url,
    port: frontEnd.port,
    client: async () => {
      const client = new pg.Client({ connectionString: frontEnd.url });
      await client.connect();
      clients.push(client);
      return client;
    },
    stop: async () => {
      await Promise.allSettled(clients.map((c) => c.end()));
      await frontEnd.close();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
