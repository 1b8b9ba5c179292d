// Two-phase commit on embedded shards when the Switchyard process dies: pgbench's TPC-B script runs
// through an embedded 4-shard cluster (every shard a PGlite database in the data folder, the
// coordinator log a file beside them), the process is killed with SIGKILL in the middle of the run
// and started again, twice. Afterwards every transaction is wholly there or wholly absent (the TPC-B
// invariant holds shard by shard) and no prepared transaction is left on any shard.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { findPgBin, freePort } from '../harness/postgres-server.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'switchyard.js');

interface Router {
  readonly child: ChildProcess;
  output: string;
}

// pgbench comes with the PostgreSQL binaries, hence the same condition as the real-server suites.
describeWithPostgres('embedded shards: SIGKILL in the middle of two-phase commits', () => {
  let dir: string;
  let config: string;
  let port: number;
  let router: Router | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-embedded-kill-'));
    port = await freePort();
    config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      [
        'shards: 4',
        `dataDir: ${join(dir, 'data')}`,
        `listen: { postgres: "127.0.0.1:${port}" }`,
        'tables:',
        '  pgbench_accounts: { shardKey: aid }',
        '  pgbench_tellers: { shardKey: tid }',
        '  pgbench_branches: { shardKey: bid }',
        '  pgbench_history: { shardKey: aid }',
        '',
      ].join('\n'),
    );
    router = await startRouter();
    const init = pgbench(['-i', '-s', '1']);
    expect(init.status, init.output).toBe(0);
  }, 120_000);

  afterAll(() => {
    router?.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function startRouter(): Promise<Router> {
    const child = spawn(process.execPath, [bin, 'up', '--config', config], {
      env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Router = { child, output: '' };
    child.stdout?.on('data', (d: Buffer) => (run.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (run.output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!run.output.includes('Press Ctrl-C to stop.')) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`Switchyard did not start:\n${run.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return run;
  }

  function pgbench(args: string[]): { status: number | null; output: string } {
    const result = spawnSync(
      join(findPgBin()!, 'pgbench'),
      [...args, '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  }

  function pgbenchInBackground(seconds: number): Promise<string> {
    const child = spawn(
      join(findPgBin()!, 'pgbench'),
      ['-n', '-c', '4', '-j', '2', '--max-tries=20', '-T', String(seconds)].concat([
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        'postgres',
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    return new Promise((resolve) => child.on('exit', () => resolve(output)));
  }

  it('each transaction is wholly committed or wholly absent after two kills, with nothing left prepared', async () => {
    for (let kill = 0; kill < 2; kill++) {
      const running = pgbenchInBackground(8);
      await new Promise((r) => setTimeout(r, 3000));
      router?.child.kill('SIGKILL');
      await new Promise<void>((resolve) => router?.child.on('exit', () => resolve()));
      await running;
      router = await startRouter(); // recovery runs before clients are served
    }
    const last = pgbench(['-n', '-c', '4', '-j', '2', '--max-tries=20', '-T', '3']);
    expect(last.status, last.output).toBe(0);
    // Stop cleanly, then read every shard's own database.
    router?.child.kill('SIGTERM');
    await new Promise<void>((resolve) => router?.child.on('exit', () => resolve()));
    router = undefined;
    const sums = [0n, 0n, 0n, 0n];
    let history = 0;
    let prepared = 0;
    for (const shard of ['s0', 's1', 's2', 's3']) {
      const backend = await PgliteBackend.open(shard, join(dir, 'data', 'shards', shard));
      try {
        const { rows } = await backend.query(
          `SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts)::text,
                  (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers)::text,
                  (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches)::text,
                  (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::text,
                  (SELECT count(*) FROM pgbench_history)::text`,
        );
        const row = rows[0]!;
        for (let i = 0; i < 4; i++) sums[i]! += BigInt(row[i] ?? '0');
        history += Number(row[4]);
        prepared += (await backend.listPrepared('')).length;
      } finally {
        await backend.close();
      }
    }
    expect(prepared).toBe(0);
    expect(history).toBeGreaterThan(0);
    expect(new Set(sums.map(String)).size, sums.join(' ')).toBe(1);
  }, 240_000);
});
