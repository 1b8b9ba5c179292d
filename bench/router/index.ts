// pgbench -S through Switchyard over 4 PostgreSQL shards against the same load sent directly to one
// PostgreSQL database holding all rows, in the same run, with -M simple and -M prepared: TPS and
// p50/p99 latency of each, their ratio, and a CPU profile of the router under the prepared load.
// Settings: BENCH_SECONDS (default 30), BENCH_SCALE (default 10 = 1M accounts), BENCH_CLIENTS (8).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Session as InspectorSession } from 'node:inspector/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig } from '../../src/cluster/config.js';
import { startFrontEnd } from '../../src/cluster/front-end.js';
import { postgresPointSql } from '../../src/keyspace/postgres-point-sql.js';
import { rangePredicateSql } from '../../src/keyspace/range-predicate-sql.js';
import { findPgBin, startPostgres } from '../../test/harness/postgres-server.js';
import { writeResults } from '../lib.js';

const execFileAsync = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SHARDS = 4;
/** `unix` reaches the shards over Unix-domain sockets (Switchyard on the shards' host) instead of TCP. */
const SHARD_SOCKETS = process.env.BENCH_SHARD_SOCKETS === 'unix' ? 'unix' : 'tcp';

interface Figure {
  /** `forwarder`: a proxy that only copies bytes between pgbench and the server (socket.pipe). */
  readonly target: 'switchyard' | 'direct' | 'forwarder';
  readonly mode: 'simple' | 'prepared';
  readonly tps: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

const schema = [
  'CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84))',
  'CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88))',
  'CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84))',
  'CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))',
];

function load(filter: string): string {
  const accounts = SCALE * 100_000;
  return (
    `INSERT INTO pgbench_accounts SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, ${accounts}) AS aid WHERE ${filter};` +
    `INSERT INTO pgbench_branches SELECT b, 0, '' FROM generate_series(1, ${SCALE}) AS b;` +
    `INSERT INTO pgbench_tellers SELECT t, (t - 1) / 10 + 1, 0, '' FROM generate_series(1, ${SCALE * 10}) AS t;`
  );
}

async function pgbench(bin: string, port: number, mode: string, target: Figure['target']): Promise<Figure> {
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-pgbench-'));
  try {
    const { stdout } = await execFileAsync(
      join(bin, 'pgbench'),
      [
        '-n',
        '-S',
        '-M',
        mode,
        '-c',
        String(CLIENTS),
        '-j',
        '2',
        '-T',
        String(SECONDS),
        '-l',
        '--log-prefix',
        join(logDir, 'tx'),
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        target === 'switchyard' ? 'postgres' : 'direct',
      ],
      { maxBuffer: 1 << 24 },
    );
    const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
    const latencies: number[] = [];
    for (const file of readdirSync(logDir)) {
      for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (Number.isFinite(us) && line) latencies.push(us);
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) =>
      (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) / 1000;
    return { target, mode: mode as Figure['mode'], tps: Math.round(tps), p50ms: pct(0.5), p99ms: pct(0.99) };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

/**
 * The cheapest possible proxy in Node: every byte copied between pgbench and the server, nothing
 * parsed. Its throughput is the ceiling for any proxy written in Node on this machine.
 */
async function startForwarder(port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ port, host: '127.0.0.1', noDelay: true });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** The functions with the most self time in a V8 CPU profile. */
function topFunctions(
  profile: {
    nodes: {
      id: number;
      callFrame: { functionName: string; url: string; lineNumber: number };
      hitCount?: number;
    }[];
  },
  count: number,
) {
  const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${f.lineNumber + 1}`
      : '(native)';
    const name = `${f.functionName || '(anonymous)'} ${where}`;
    byName.set(name, (byName.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, hits]) => ({ function: name, selfPercent: Math.round((hits / total) * 1000) / 10 }));
}

export async function run(): Promise<void> {
  const bin = findPgBin();
  if (!bin) {
    console.log("bench/router skipped: no PostgreSQL server binaries (install Debian's postgresql package)");
    return;
  }
  const server = await startPostgres({ settings: { max_connections: '300', shared_buffers: '256MB' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-router-'));
  try {
    const admin = new pg.Client(server.url());
    await admin.connect();
    const shardDbs = Array.from({ length: SHARDS }, (_, i) => `shard_${i}`);
    for (const db of ['direct', 'catalog', ...shardDbs]) await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    const direct = new pg.Client(server.url('direct'));
    await direct.connect();
    for (const ddl of schema) await direct.query(ddl);
    await direct.query(load('true'));
    await direct.query('VACUUM ANALYZE');
    await direct.end();

    const cluster = await Cluster.start(
      parseConfig({
        dataDir,
        shards: shardDbs.map((db, i) => ({
          name: `s${i}`,
          primary:
            SHARD_SOCKETS === 'unix'
              ? `postgres://postgres@/${db}?host=${encodeURIComponent(server.dataDir)}&port=${server.port}`
              : server.url(db),
        })),
        catalog: { url: server.url('catalog') },
        pool: { size: CLIENTS + 2 },
        tables: {
          pgbench_accounts: { shardKey: 'aid' },
          pgbench_branches: { reference: true },
          pgbench_tellers: { reference: true },
        },
      }),
    );
    const frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
    const client = new pg.Client(frontEnd.url);
    await client.connect();
    for (const ddl of schema) await client.query(ddl);
    await client.end();
    for (const shard of cluster.catalog.current().shards) {
      const owns = rangePredicateSql(postgresPointSql([{ expression: 'aid', type: 'int4' }]), shard.ranges);
      await cluster.backend(shard.name).exec(load(owns));
      await cluster.backend(shard.name).exec('VACUUM ANALYZE');
    }

    const figures: Figure[] = [];
    const profiles: Record<string, ReturnType<typeof topFunctions>> = {};
    for (const mode of ['simple', 'prepared'] as const) {
      figures.push(await pgbench(bin, server.port, mode, 'direct'));
      const inspector = new InspectorSession();
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
      figures.push(await pgbench(bin, frontEnd.port, mode, 'switchyard'));
      const { profile: p } = await inspector.post('Profiler.stop');
      profiles[mode] = topFunctions(p as Parameters<typeof topFunctions>[0], 15);
      inspector.disconnect();
    }
    const forwarder = await startForwarder(server.port);
    figures.push(await pgbench(bin, forwarder.port, 'prepared', 'forwarder'));
    forwarder.server.close();
    await frontEnd.close();
    await cluster.stop();

    const ratio = (mode: string) => {
      const sy = figures.find((f) => f.mode === mode && f.target === 'switchyard')!;
      const dx = figures.find((f) => f.mode === mode && f.target === 'direct')!;
      return Math.round((sy.tps / dx.tps) * 100) / 100;
    };
    console.table(figures);
    const forwarded = figures.find((f) => f.target === 'forwarder')!;
    const directPrepared = figures.find((f) => f.mode === 'prepared' && f.target === 'direct')!;
    const forwarderRatio = Math.round((forwarded.tps / directPrepared.tps) * 100) / 100;
    console.log(`ratio simple: ${ratio('simple')}x, prepared: ${ratio('prepared')}x of direct TPS`);
    console.log(
      `a byte-copying Node proxy (the ceiling for any Node proxy here): ${forwarderRatio}x of direct TPS`,
    );
    for (const [mode, profile] of Object.entries(profiles)) {
      console.log(`router CPU profile under -M ${mode} (self time):`);
      console.table(profile);
    }
    const file = writeResults(SHARD_SOCKETS === 'unix' ? 'router-unix' : 'router', {
      setup: {
        seconds: SECONDS,
        scale: SCALE,
        clients: CLIENTS,
        threads: 2,
        shards: SHARDS,
        shardsAre: 'databases of one local PostgreSQL 15 server',
      },
      figures,
      ratios: { simple: ratio('simple'), prepared: ratio('prepared'), forwarderPrepared: forwarderRatio },
      profiles,
    });
    console.log(`wrote ${file}`);
  } finally {
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
