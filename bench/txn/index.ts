// pgbench's TPC-B-like script through Switchyard over 4 PostgreSQL shards (pgbench_accounts,
// _tellers, _branches and _history sharded by their own keys, so most transactions commit with
// two-phase commit) against the same script sent directly to one PostgreSQL database holding all
// rows, in the same run on the same server: TPS, p50/p99 latency, and the share of transactions
// that needed two-phase commit. Settings: BENCH_SECONDS (default 30), BENCH_SCALE (default 10),
// BENCH_CLIENTS (default 8).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Cluster } from '../../src/cluster/cluster.js';
import { parseConfig } from '../../src/cluster/config.js';
import { startFrontEnd } from '../../src/cluster/front-end.js';
import { findPgBin, startPostgres } from '../../test/harness/postgres-server.js';
import { writeResults } from '../lib.js';

const execFileAsync = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SCALE = Number(process.env.BENCH_SCALE ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SHARDS = ['s0', 's1', 's2', 's3'];

interface Figure {
  readonly target: 'switchyard' | 'direct';
  readonly tps: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly transactions: number;
}

async function pgbench(bin: string, port: number, database: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await execFileAsync(
    join(bin, 'pgbench'),
    [...args, '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database],
    { maxBuffer: 1 << 24 },
  );
  return `${stdout}\n${stderr}`;
}

async function tpcb(bin: string, port: number, database: string, target: Figure['target']): Promise<Figure> {
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-tpcb-'));
  try {
    const out = await pgbench(bin, port, database, [
      '-n',
      '-c',
      String(CLIENTS),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-l',
      '--log-prefix',
      join(logDir, 'tx'),
    ]);
    const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
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
    return { target, tps: Math.round(tps), p50ms: pct(0.5), p99ms: pct(0.99), transactions };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const bin = findPgBin();
  if (!bin) {
    console.log('bench/txn skipped: no PostgreSQL server binaries (see README)');
    return;
  }
  const server = await startPostgres({ settings: { max_prepared_transactions: '100' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-txn-'));
  let cluster: Cluster | undefined;
  let frontEnd: Awaited<ReturnType<typeof startFrontEnd>> | undefined;
  try {
    const admin = new pg.Client(server.url());
    await admin.connect();
    for (const db of ['direct', 'txn_catalog', ...SHARDS.map((s) => `txn_${s}`)]) {
      await admin.query(`CREATE DATABASE ${db}`);
    }
    await admin.end();
    cluster = await Cluster.start(
      parseConfig({
        dataDir,
        shards: SHARDS.map((s) => ({ name: s, primary: server.url(`txn_${s}`) })),
        catalog: { url: server.url('txn_catalog') },
        pool: { size: 4 },
        tables: {
          pgbench_accounts: { shardKey: 'aid' },
          pgbench_tellers: { shardKey: 'tid' },
          pgbench_branches: { shardKey: 'bid' },
          pgbench_history: { shardKey: 'aid' },
        },
      }),
    );
    frontEnd = await startFrontEnd(cluster, { host: '127.0.0.1', port: 0 });
    console.log(`loading scale ${SCALE} directly and through Switchyard (pgbench -i) …`);
    await pgbench(bin, server.port, 'direct', ['-i', '-s', String(SCALE)]);
    await pgbench(bin, frontEnd.port, 'postgres', ['-i', '-s', String(SCALE)]);

    const before = cluster.coordinator?.metrics();
    const direct = await tpcb(bin, server.port, 'direct', 'direct');
    const switchyard = await tpcb(bin, frontEnd.port, 'postgres', 'switchyard');
    const after = cluster.coordinator?.metrics();
    const twoPhase = (after?.twoPhase ?? 0) - (before?.twoPhase ?? 0);
    const onePhase = (after?.onePhase ?? 0) - (before?.onePhase ?? 0);
    const twoPhaseShare = twoPhase / Math.max(1, twoPhase + onePhase);
    const ratio = switchyard.tps / Math.max(1, direct.tps);
    for (const f of [direct, switchyard]) {
      console.log(
        `${f.target.padEnd(10)} ${String(f.tps).padStart(6)} TPS  p50 ${f.p50ms} ms  p99 ${f.p99ms} ms`,
      );
    }
    console.log(
      `Switchyard / direct: ${ratio.toFixed(2)}×; two-phase commits: ${(twoPhaseShare * 100).toFixed(1)}% of ${twoPhase + onePhase} writing transactions`,
    );
    const file = writeResults('txn', {
      setup: `pgbench TPC-B (built-in script), scale ${SCALE}, ${CLIENTS} clients, 2 threads, ${SECONDS} s each; Switchyard over 4 shards = 4 databases of one local PostgreSQL 15 (TCP), coordinator log in a fifth; direct = one database of the same server`,
      figures: [direct, switchyard],
      ratio: Number(ratio.toFixed(3)),
      twoPhase,
      onePhase,
      twoPhaseShare: Number(twoPhaseShare.toFixed(3)),
    });
    console.log(`wrote ${file}`);
  } finally {
    await frontEnd?.close();
    await cluster?.stop();
    server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
