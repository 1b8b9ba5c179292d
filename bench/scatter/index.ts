// Cross-shard reads over 1M rows in 4 PostgreSQL shards: a GROUP BY aggregate, an ORDER BY … LIMIT
// 100 and a count(DISTINCT), through Switchyard against one PostgreSQL database holding all rows, and
// parallel scatter against sequential scatter, in the same run; plus the router's memory while a
// query returns all 1M rows (streamed, not buffered). Settings: BENCH_ROWS (1M),
// BENCH_REPEAT (5 timed runs per query, best kept).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig } from '../../src/cluster/config.js';
import { type FrontEnd, startFrontEnd } from '../../src/cluster/front-end.js';
import { postgresPointSql } from '../../src/keyspace/postgres-point-sql.js';
import { rangePredicateSql } from '../../src/keyspace/range-predicate-sql.js';
import { MessageFramer } from '../../src/protocol/message-framer.js';
import { findPgBin, startPostgres } from '../../test/harness/postgres-server.js';
import { writeResults } from '../lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const SHARDS = 4;

const queries = {
  'group by aggregate':
    'SELECT category, count(*), sum(amount), avg(amount) FROM events GROUP BY category ORDER BY category',
  'order by … limit 100': 'SELECT id, amount FROM events ORDER BY amount DESC, id LIMIT 100',
  'count(distinct)': 'SELECT count(DISTINCT user_id) FROM events',
};

const schema =
  'CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint NOT NULL, category text NOT NULL, amount numeric(12,2) NOT NULL)';

function load(filter: string): string {
  return (
    `INSERT INTO events SELECT g, g % 50000, 'c' || (g % 20), ((g * 7919) % 100000) / 100.0 ` +
    `FROM generate_series(1, ${ROWS}::bigint) AS g WHERE ${filter}`
  );
}

async function bestMs(client: pg.Client, sql: string): Promise<number> {
  await client.query(sql); // warm up
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await client.query(sql);
    best = Math.min(best, performance.now() - t0);
  }
  return Math.round(best * 10) / 10;
}

/**
 * Peak heap growth of this process while every row streams through the router to a client that
 * counts and drops them (a bare protocol client, so the client holds nothing): the router's own
 * memory for a 1M-row result.
 */
async function streamAllRows(port: number): Promise<{ rows: number; peakHeapMiB: number; ms: number }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const framer = new MessageFramer({ maxMessageBytes: 1 << 30 });
  let rows = 0;
  let ready = 0;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const frame of framer.push(chunk)) {
      if (frame.type === 0x44) rows++;
      else if (frame.type === 0x5a) ready++;
      else if (frame.type === 0x45 && ready < 2) console.error('bench/scatter: the streamed query failed');
    }
    wake?.();
  });
  const until = async (n: number) => {
    while (ready < n) await new Promise<void>((resolve) => (wake = resolve));
  };
  socket.write(serialize.startup({ user: 'postgres', database: 'postgres' }));
  await until(1);
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const t0 = performance.now();
  socket.write(serialize.query('SELECT id, user_id, category, amount FROM events'));
  await until(2);
  const ms = performance.now() - t0;
  clearInterval(timer);
  socket.end();
  return { rows, peakHeapMiB: Math.round(((peak - base) / 2 ** 20) * 10) / 10, ms: Math.round(ms) };
}

export async function run(): Promise<void> {
  if (!findPgBin()) {
    console.log("bench/scatter skipped: no PostgreSQL server binaries (install Debian's postgresql package)");
    return;
  }
  const server = await startPostgres({ settings: { shared_buffers: '256MB' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-scatter-'));
  const frontEnds: FrontEnd[] = [];
  try {
    const admin = new pg.Client(server.url());
    await admin.connect();
    const shardDbs = Array.from({ length: SHARDS }, (_, i) => `shard_${i}`);
    for (const db of ['direct', 'catalog', ...shardDbs]) await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const direct = new pg.Client(server.url('direct'));
    direct.on('error', () => {}); // the server stops at the end of the run
    await direct.connect();
    await direct.query(schema);
    await direct.query(load('true'));
    await direct.query('VACUUM ANALYZE events');

    const cluster = await Cluster.start(
      parseConfig({
        dataDir,
        shards: shardDbs.map((db, i) => ({ name: `s${i}`, primary: server.url(db) })),
        catalog: { url: server.url('catalog') },
        tables: { events: { shardKey: 'id' } },
      }),
    );
    const parallel = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
    const sequential = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0, sequentialScatter: true });
    frontEnds.push(parallel, sequential);
    const setup = new pg.Client(parallel.url);
    await setup.connect();
    await setup.query(schema);
    await setup.end();
    for (const shard of cluster.catalog.current().shards) {
      const owns = rangePredicateSql(postgresPointSql([{ expression: 'g', type: 'int8' }]), shard.ranges);
      await cluster.backend(shard.name).exec(`${load(owns)}; `);
      await cluster.backend(shard.name).exec('VACUUM ANALYZE events');
    }

    const viaParallel = new pg.Client(parallel.url);
    const viaSequential = new pg.Client(sequential.url);
    await viaParallel.connect();
    await viaSequential.connect();
    const figures = [];
    for (const [name, sql] of Object.entries(queries)) {
      const directMs = await bestMs(direct, sql);
      const parallelMs = await bestMs(viaParallel, sql);
      const sequentialMs = await bestMs(viaSequential, sql);
      figures.push({
        query: name,
        directMs,
        switchyardParallelMs: parallelMs,
        switchyardSequentialMs: sequentialMs,
        parallelSpeedup: Math.round((sequentialMs / parallelMs) * 100) / 100,
        vsDirect: Math.round((directMs / parallelMs) * 100) / 100,
      });
    }
    await viaParallel.end();
    await viaSequential.end();
    await direct.end();
    const streaming = await streamAllRows(parallel.port);
    console.table(figures);
    console.log(
      `streaming all ${streaming.rows} rows through the router: peak heap +${streaming.peakHeapMiB} MiB, ${streaming.ms} ms`,
    );
    const file = writeResults('scatter', {
      setup: {
        rows: ROWS,
        shards: SHARDS,
        repeat: REPEAT,
        shardsAre: 'databases of one local PostgreSQL 15 server',
      },
      figures,
      streaming,
    });
    console.log(`wrote ${file}`);
    for (const f of frontEnds) await f.close();
    frontEnds.length = 0;
    await cluster.stop();
  } catch (error) {
    console.error('bench/scatter failed:', error);
    throw error;
  } finally {
    for (const f of frontEnds) await f.close();
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
