// pgbench's own TPC-B-like script through Switchyard over 4 PostgreSQL shards, with pgbench_accounts,
// pgbench_tellers, pgbench_branches and pgbench_history sharded by their own keys: nearly every
// transaction writes to several shards and commits with two-phase commit. Afterwards the TPC-B
// invariant must hold, read shard by shard: sum(abalance) = sum(tbalance) = sum(bbalance) =
// sum(history.delta), and no prepared transaction is left. Then the same while the Switchyard
// process is killed with SIGKILL and started again twice during the run. (Runs after the first use
// -n: pgbench otherwise truncates pgbench_history at its start, which would break the invariant.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { freePort, type PgServer, startPostgres } from '../harness/postgres-server.js';
import { killRouter, pgbench, pgbenchInBackground, type Router, startRouter } from './processes.js';

const SHARDS = ['s0', 's1', 's2', 's3'];
/** Seconds of each pgbench run (the issue asks for 60 s with 8 clients). */
const RUN_SECONDS = Number(process.env.TPCB_SECONDS ?? 60);

describeWithPostgres('pgbench TPC-B across 4 PostgreSQL shards through Switchyard', () => {
  let server: PgServer;
  let dir: string;
  let config: string;
  let port: number;
  let router: Router | undefined;

  beforeAll(async () => {
    server = await startPostgres({ settings: { max_prepared_transactions: '100' } });
    dir = mkdtempSync(join(tmpdir(), 'switchyard-tpcb-'));
    const admin = new pg.Client(server.url());
    await admin.connect();
    for (const db of [...SHARDS.map((s) => `tpcb_${s}`), 'tpcb_catalog'])
      await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    port = await freePort();
    config = join(dir, 'switchyard.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${join(dir, 'data')}`,
        `listen: { postgres: "127.0.0.1:${port}" }`,
        'shards:',
        ...SHARDS.map((s) => `  - { name: ${s}, primary: "${server.url(`tpcb_${s}`)}" }`),
        `catalog: { url: "${server.url('tpcb_catalog')}" }`,
        'pool: { size: 4 }',
        'transactions: { timeoutMs: 5000, recoveryIntervalMs: 1000 }',
        'tables:',
        '  pgbench_accounts: { shardKey: aid }',
        '  pgbench_tellers: { shardKey: tid }',
        '  pgbench_branches: { shardKey: bid }',
        '  pgbench_history: { shardKey: aid }',
        '',
      ].join('\n'),
    );
    router = await startRouter(config);
    const init = bench(['-i', '-s', '2']);
    expect(init.status, init.output).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await killRouter(router);
    server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const load = ['-n', '-c', '8', '-j', '2', '-T'];
  const bench = (args: string[]) => pgbench(port, args, (RUN_SECONDS + 120) * 1000);

  /** The TPC-B sums and the prepared transactions left, read from the shards themselves. */
  async function invariant(): Promise<{ sums: bigint[]; history: number; prepared: number }> {
    const sums = [0n, 0n, 0n, 0n];
    let history = 0;
    for (const shard of SHARDS) {
      const db = new pg.Client(server.url(`tpcb_${shard}`));
      await db.connect();
      const { rows } = await db.query(
        `SELECT (SELECT coalesce(sum(abalance), 0) FROM pgbench_accounts)::text AS a,
                (SELECT coalesce(sum(tbalance), 0) FROM pgbench_tellers)::text AS t,
                (SELECT coalesce(sum(bbalance), 0) FROM pgbench_branches)::text AS b,
                (SELECT coalesce(sum(delta), 0) FROM pgbench_history)::text AS h,
                (SELECT count(*) FROM pgbench_history)::int AS n`,
      );
      const r = rows[0];
      await db.end();
      sums[0]! += BigInt(r.a);
      sums[1]! += BigInt(r.t);
      sums[2]! += BigInt(r.b);
      sums[3]! += BigInt(r.h);
      history += r.n;
    }
    const admin = new pg.Client(server.url());
    await admin.connect();
    const prepared = (await admin.query('SELECT count(*)::int AS n FROM pg_prepared_xacts')).rows[0].n;
    await admin.end();
    return { sums, history, prepared };
  }

  /** Waits until recovery has resolved every prepared transaction (it runs every second). */
  async function settled(): Promise<Awaited<ReturnType<typeof invariant>>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await invariant();
      if (state.prepared === 0 || Date.now() > deadline) return state;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it(
    `8 clients for ${RUN_SECONDS} s keep sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta)`,
    async () => {
      const run = bench(['-c', '8', '-j', '2', '-T', String(RUN_SECONDS)]);
      expect(run.status, run.output).toBe(0);
      const processed = Number(/number of transactions actually processed: (\d+)/.exec(run.output)?.[1]);
      expect(processed).toBeGreaterThan(0);
      const state = await settled();
      expect(state.prepared).toBe(0);
      expect(state.history).toBe(processed);
      expect(new Set(state.sums.map(String)).size).toBe(1);
      expect(state.sums[0]).not.toBe(0n);
    },
    (RUN_SECONDS + 120) * 1000,
  );

  it(
    'the same while the Switchyard process is killed with SIGKILL and restarted twice',
    async () => {
      const before = await invariant();
      const third = Math.max(5, Math.round(RUN_SECONDS / 3));
      for (let kill = 0; kill < 2; kill++) {
        const running = pgbenchInBackground(port, [...load, String(third * 2)]);
        await new Promise((r) => setTimeout(r, third * 1000));
        await killRouter(router);
        await running; // every client lost its connection
        router = await startRouter(config);
      }
      const last = bench([...load, String(third)]);
      expect(last.status, last.output).toBe(0);
      const state = await settled();
      expect(state.prepared).toBe(0);
      expect(
        new Set(state.sums.map(String)).size,
        `${state.sums.join(' ')} history=${state.history}\n${router?.output}`,
      ).toBe(1);
      expect(state.history).toBeGreaterThan(before.history);
    },
    (RUN_SECONDS * 3 + 240) * 1000,
  );
});
