// Two-phase commit on embedded shards when the Switchyard process dies: pgbench's TPC-B script runs
// through an embedded 4-shard cluster (every shard a PGlite database in the data folder, the
// coordinator log a file beside them), the process is killed with SIGKILL in the middle of the run
// and started again, twice. Afterwards every transaction is wholly there or wholly absent (the TPC-B
// invariant holds shard by shard) and no prepared transaction is left on any shard.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgliteBackend } from '../../src/backend/pglite-backend.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { freePort } from '../harness/postgres-server.js';
import { killRouter, pgbench, pgbenchInBackground, type Router, startRouter } from './processes.js';

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
    router = await startRouter(config);
    const init = pgbench(port, ['-i', '-s', '1'], 120_000);
    expect(init.status, init.output).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await killRouter(router);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const load = ['-n', '-c', '4', '-j', '2', '--max-tries=20', '-T'];

  it('each transaction is wholly committed or wholly absent after two kills, with nothing left prepared', async () => {
    for (let kill = 0; kill < 2; kill++) {
      const running = pgbenchInBackground(port, [...load, '8']);
      await new Promise((r) => setTimeout(r, 3000));
      await killRouter(router);
      await running;
      router = await startRouter(config); // recovery runs before clients are served
    }
    const last = pgbench(port, [...load, '3'], 120_000);
    expect(last.status, last.output).toBe(0);
    // Stop cleanly, then read every shard's own database.
    await killRouter(router, 'SIGTERM');
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
