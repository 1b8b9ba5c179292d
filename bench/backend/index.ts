// Shard start-up and streaming memory, measured in one run:
// - starting 4 fresh embedded shards from the cached template vs 4 full PGlite initialisations,
//   and reopening 4 existing shards;
// - memory while streaming 1M rows in batches vs reading the same result with query(), on PGlite
//   and (when a server can be started here) on PostgreSQL;
// - round trips per second of a prepared statement through a raw ShardConnection vs node-postgres
//   (PostgreSQL) and vs backend.query (PGlite), see round-trips.ts.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { ensurePgliteTemplate } from '../../src/backend/pglite-template.js';
import { PostgresBackend } from '../../src/backend/postgres-backend.js';
import type { ShardBackend } from '../../src/backend/shard-backend.js';
import { startPgliteShards } from '../../src/backend/start-pglite-shards.js';
import { pgUnavailableReason, startPostgres } from '../../test/harness/postgres-server.js';
import { writeResults } from '../lib.js';
import { pgliteRoundTrips, postgresRoundTrips, type RoundTripFigures } from './round-trips.js';

const shardNames = ['s1', 's2', 's3', 's4'];
const streamedRows = 1_000_000;
const streamSql = `SELECT g, md5(g::text) FROM generate_series(1, ${streamedRows}) g`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, Math.round(performance.now() - started)];
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Peak heap (JS objects plus buffers) and RSS above the level before `fn`, sampled every few ms. */
async function peakMemory(
  fn: (sample: () => void) => Promise<void>,
): Promise<{ heapMiB: number; rssMiB: number }> {
  const before = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
    rss = Math.max(rss, now.rss - before.rss);
  };
  const timer = setInterval(sample, 5);
  try {
    await fn(sample);
  } finally {
    clearInterval(timer);
    sample();
  }
  return { heapMiB: mib(heap), rssMiB: mib(rss) };
}

async function streamingMemory(backend: ShardBackend) {
  const [stream, streamMs] = await timed(() =>
    peakMemory(async (sample) => {
      let rows = 0;
      for await (const batch of backend.stream(streamSql, [], { batchSize: 1000 })) {
        rows += batch.rows.length;
        sample();
      }
      if (rows !== streamedRows) throw new Error(`streamed ${rows} rows`);
    }),
  );
  const [query, queryMs] = await timed(() =>
    peakMemory(async () => {
      const { rows } = await backend.query(streamSql);
      if (rows.length !== streamedRows) throw new Error(`read ${rows.length} rows`);
    }),
  );
  return {
    stream: { ...stream, ms: streamMs, batchSize: 1000 },
    query: { ...query, ms: queryMs },
  };
}

async function startUp(root: string) {
  const [, templateMs] = await timed(() => ensurePgliteTemplate());
  const fresh = join(root, 'fresh');
  const [shards, templateStartMs] = await timed(() => startPgliteShards(shardNames, fresh));
  await Promise.all(shards.map((shard) => shard.close()));
  const [reopened, reopenMs] = await timed(() => startPgliteShards(shardNames, fresh));
  await Promise.all(reopened.map((shard) => shard.close()));
  // What starting shards costs without the template: PGlite's own initdb for each data directory.
  mkdirSync(join(root, 'full'));
  const [initialised, fullInitMs] = await timed(() =>
    Promise.all(
      shardNames.map((name) =>
        PGlite.create({
          dataDir: join(root, 'full', name),
          postgresqlconf: ['max_prepared_transactions = 64'],
        }),
      ),
    ),
  );
  await Promise.all(initialised.map((db) => db.close()));
  return {
    shards: shardNames.length,
    fromTemplateMs: templateStartMs,
    fullInitialisationMs: fullInitMs,
    speedup: Math.round((fullInitMs / templateStartMs) * 10) / 10,
    reopenExistingMs: reopenMs,
    templateLookupOrBuildMs: templateMs,
  };
}

/** Runs the backend benchmarks and writes bench/results/backend.json. */
export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-bench-backend-'));
  try {
    const startup = await startUp(root);
    console.log(
      `start ${startup.shards} fresh embedded shards: ${startup.fromTemplateMs} ms from the template vs ${startup.fullInitialisationMs} ms with full initialisation (${startup.speedup}x); reopening them: ${startup.reopenExistingMs} ms`,
    );

    const pglite = await PgliteBackend.open('bench', join(root, 'stream'));
    let pgliteStream: Awaited<ReturnType<typeof streamingMemory>>;
    let pgliteTrips: RoundTripFigures[];
    try {
      pgliteStream = await streamingMemory(pglite);
      pgliteTrips = await pgliteRoundTrips(pglite);
    } finally {
      await pglite.close();
    }
    for (const f of pgliteTrips) {
      console.log(
        `PGlite, ${f.connections} connection(s): ${f.raw} round trips/s through a raw connection vs ${f.baseline} with backend.query (${f.ratio}x)`,
      );
    }
    console.log(
      `PGlite, ${streamedRows} rows: stream peak heap +${pgliteStream.stream.heapMiB} MiB (rss +${pgliteStream.stream.rssMiB}) in ${pgliteStream.stream.ms} ms vs query() +${pgliteStream.query.heapMiB} MiB (rss +${pgliteStream.query.rssMiB}) in ${pgliteStream.query.ms} ms`,
    );

    let postgresStream: Awaited<ReturnType<typeof streamingMemory>> | string = pgUnavailableReason() ?? '';
    let postgresTrips: RoundTripFigures[] | string = postgresStream;
    if (!postgresStream) {
      const server = await startPostgres();
      const backend = new PostgresBackend('bench', { connectionString: server.url() });
      try {
        postgresTrips = await postgresRoundTrips(backend, server.url());
        for (const f of postgresTrips) {
          console.log(
            `PostgreSQL, ${f.connections} connection(s): ${f.raw} round trips/s through a raw connection vs ${f.baseline} with node-postgres (${f.ratio}x)`,
          );
        }
        postgresStream = await streamingMemory(backend);
        console.log(
          `PostgreSQL, ${streamedRows} rows: stream peak heap +${postgresStream.stream.heapMiB} MiB (rss +${postgresStream.stream.rssMiB}) in ${postgresStream.stream.ms} ms vs query() +${postgresStream.query.heapMiB} MiB (rss +${postgresStream.query.rssMiB}) in ${postgresStream.query.ms} ms`,
        );
      } finally {
        await backend.close();
        server.stop();
      }
    }

    const file = writeResults('backend', {
      startup,
      streamMemory: { rows: streamedRows, pglite: pgliteStream, postgres: postgresStream },
      preparedRoundTrips: { statement: 'select $1::int', pglite: pgliteTrips, postgres: postgresTrips },
    });
    console.log(`results: ${file}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
