// `switchyard up`: starts the cluster, optionally creates the sample data, reports where every shard
// is and runs until SIGINT or SIGTERM, then shuts down cleanly (every shard closed and flushed).
import type { ShardBackend } from '../backend/shard-backend.js';
import type { ShardInfo } from '../catalog/catalog.js';
import { Cluster } from '../cluster/cluster.js';
import type { ClusterConfig } from '../cluster/config.js';
import { type FrontEnd, startFrontEnd } from '../cluster/front-end.js';
import { installSampleData } from '../cluster/install-sample-data.js';
import { sampleTables } from '../cluster/sample-data.js';
import { quoteQualified } from '../sql/quote-ident.js';

/** Options of `switchyard up`. */
export interface UpOptions {
  readonly sample: boolean;
}

/** Starts the cluster and resolves when it has been shut down by a signal. */
export async function runUp(config: ClusterConfig, options: UpOptions): Promise<void> {
  // Listen for signals from the start: a Ctrl-C while starting stops cleanly once started, and
  // whoever reads the "up" line may signal at once.
  const shutdown = waitForShutdownSignal();
  const effective = options.sample ? { ...config, tables: { ...sampleTables, ...config.tables } } : config;
  const startedAt = performance.now();
  const cluster = await Cluster.start(effective);
  let frontEnd: FrontEnd;
  try {
    if (options.sample) {
      const outcome = await installSampleData(cluster);
      console.log(
        outcome === 'created' ? 'Created the sample multi-tenant data set.' : 'Sample data already present.',
      );
    }
    frontEnd = await startFrontEnd(cluster);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  console.log(await describeCluster(cluster, performance.now() - startedAt, frontEnd));
  await shutdown;
  console.log('Shutting down: closing connections and shards…');
  await frontEnd.close();
  await cluster.stop();
  console.log('Stopped cleanly.');
}

/** A readable report of the cluster: each shard, where its data is, what it owns and holds. */
export async function describeCluster(
  cluster: Cluster,
  startMs: number,
  frontEnd: FrontEnd,
): Promise<string> {
  const catalog = cluster.catalog.current();
  const lines = [
    `Switchyard is up (${cluster.embedded ? 'embedded' : 'distributed'}, catalog version ${catalog.version}, started in ${Math.round(startMs)} ms).`,
    `Data folder: ${cluster.config.dataDir}`,
    `Postgres clients connect to ${frontEnd.url}   (e.g. psql ${frontEnd.url})`,
    'Shards:',
  ];
  const tables = Object.keys(catalog.tables).sort();
  for (const shard of catalog.shards) {
    lines.push(`  ${shard.name} [${shard.status}] ${shard.primary}${shardWhere(cluster, shard)}`);
    lines.push(`      owns ${describeShare(shard)} of the hash space in ${shard.ranges.length} range(s)`);
    if (shard.status !== 'inactive' && tables.length > 0) {
      const counts = await rowCounts(cluster.backend(shard.name), tables);
      lines.push(`      rows: ${counts}`);
    }
  }
  lines.push('Press Ctrl-C to stop.');
  return lines.join('\n');
}

function shardWhere(cluster: Cluster, shard: ShardInfo): string {
  const backend = cluster.backend(shard.name) as ShardBackend & { dataDir?: string };
  return backend.dataDir ? ` (data in ${backend.dataDir})` : '';
}

function describeShare(shard: ShardInfo): string {
  const owned = shard.ranges.reduce((sum, r) => sum + (r.end - r.start), 0n);
  return `${(Number((owned * 10_000n) / 2n ** 64n) / 100).toFixed(2)}%`;
}

async function rowCounts(backend: ShardBackend, tables: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const table of tables) {
    const { rows } = await backend.query('select to_regclass($1) is not null', [table]);
    if (rows[0]?.[0] !== 't') continue;
    const count = await backend.query(`select count(*) from ${quoteQualified(table)}`);
    parts.push(`${table}=${count.rows[0]?.[0] ?? '?'}`);
  }
  return parts.length ? parts.join(' ') : '(tables not created yet)';
}

function waitForShutdownSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while shutting down forces the exit.
      process.once(signal, () => process.exit(130));
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
