// Cross-shard reads against the correctness oracle: the same statements through Switchyard over 4
// embedded shards holding the sample data, and on one unsharded database holding the same rows.
// Results must be equal: in order where the statement orders its rows completely, as multisets
// otherwise; same column names and types. (The full differential suite of the cross-shard issue
// grows from here.)
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSchemaSql } from '../../src/cluster/sample-data.js';
import { describeWithPostgres } from '../harness/describe-postgres.js';
import { type PgServer, startPostgres } from '../harness/postgres-server.js';
import { type ShardPlacement, type Switchyard, startSwitchyard } from './switchyard-harness.js';

const raw = { getTypeParser: () => (value: string) => value };
/** PGlite parsers keeping every built-in type's value as the server's text (as `raw` does for pg). */
const textParsers = Object.fromEntries(
  Array.from({ length: 5000 }, (_, oid) => [oid, (value: string) => value]),
);

interface Case {
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** The statement orders its rows completely: compare in order. */
  readonly ordered?: boolean;
}

const cases: Case[] = [
  { sql: 'SELECT count(*) FROM tasks' },
  { sql: 'SELECT count(*), count(assignee_id), count(estimate) FROM tasks' },
  { sql: 'SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status', ordered: true },
  {
    sql: 'SELECT region, count(*), avg(plan_id) FROM tenants GROUP BY region ORDER BY region',
    ordered: true,
  },
  { sql: 'SELECT id, name FROM tenants ORDER BY name, id LIMIT 10', ordered: true },
  { sql: 'SELECT id FROM tenants ORDER BY id DESC LIMIT 5 OFFSET 3', ordered: true },
  { sql: 'SELECT sum(estimate), min(estimate), max(estimate) FROM tasks' },
  { sql: 'SELECT avg(estimate) FROM tasks' },
  { sql: "SELECT round(avg(estimate), 2) FROM tasks WHERE status = 'done'" },
  { sql: 'SELECT count(DISTINCT assignee_id) FROM tasks' },
  { sql: 'SELECT DISTINCT region FROM tenants ORDER BY region', ordered: true },
  { sql: 'SELECT DISTINCT ON (plan_id) plan_id, id FROM tenants ORDER BY plan_id, id', ordered: true },
  {
    sql: "SELECT priority, count(*) FILTER (WHERE status = 'todo') FROM tasks GROUP BY priority ORDER BY 1",
    ordered: true,
  },
  {
    sql: 'SELECT status, sum(estimate) / count(*) FROM tasks GROUP BY status HAVING count(*) > 100 ORDER BY 1',
    ordered: true,
  },
  {
    sql: 'SELECT t.id, count(p.id) FROM tenants t JOIN projects p ON p.tenant_id = t.id GROUP BY t.id ORDER BY t.id LIMIT 20',
    ordered: true,
  },
  { sql: 'SELECT name, id FROM users ORDER BY name, id LIMIT 15', ordered: true },
  { sql: 'SELECT due, count(*) FROM tasks GROUP BY due ORDER BY count(*) DESC, due LIMIT 5', ordered: true },
  { sql: 'SELECT bool_and(archived), bool_or(archived) FROM projects' },
  {
    sql: 'SELECT tenant_id, count(*) FROM tasks WHERE tenant_id IN (1, 2, 3, 4, 5, 6, 7, 8) GROUP BY tenant_id ORDER BY tenant_id',
    ordered: true,
  },
  { sql: 'SELECT * FROM tenants WHERE id IN (1, 500, 999) ORDER BY id', ordered: true },
  { sql: 'SELECT count(*) FROM tasks WHERE done_at IS NULL' },
  { sql: 'SELECT max(created_at), min(created_at) FROM users' },
  {
    sql: 'SELECT assignee_id IS NULL AS unassigned, count(*) FROM tasks GROUP BY 1 ORDER BY 1',
    ordered: true,
  },
  { sql: 'SELECT id FROM tenants ORDER BY id LIMIT $1 OFFSET $2', params: [5, 10], ordered: true },
  { sql: 'SELECT count(*) FROM tasks WHERE priority > $1', params: [3] },
  { sql: 'SELECT region, plan_id FROM tenants WHERE id < 50' },
  { sql: 'SELECT min(name), max(name) FROM users' },
  { sql: 'SELECT count(*) FROM tasks WHERE tenant_id = ANY($1::bigint[])', params: [[3, 4, 5, 700]] },
];

/** The unsharded database the answers are compared with. */
interface Oracle {
  query(
    sql: string,
    params: readonly unknown[],
  ): Promise<{ fields: [string, number][]; rows: (string | null)[][] }>;
  close(): Promise<void>;
}

async function pgliteOracle(): Promise<Oracle> {
  const db = await PGlite.create();
  await db.exec(sampleSchemaSql(undefined, undefined));
  return {
    query: async (sql, params) => {
      const r = await db.query<unknown[]>(sql, [...params], { rowMode: 'array', parsers: textParsers });
      return {
        fields: r.fields.map((f) => [f.name, f.dataTypeID]),
        rows: r.rows.map((row) => row.map((v) => (v === null ? null : String(v)))),
      };
    },
    close: () => db.close(),
  };
}

async function postgresOracle(server: PgServer): Promise<Oracle> {
  const admin = new pg.Client(server.url());
  await admin.connect();
  await admin.query('CREATE DATABASE scatter_oracle');
  await admin.end();
  const db = new pg.Client(server.url('scatter_oracle'));
  await db.connect();
  await db.query(sampleSchemaSql(undefined, undefined));
  return {
    query: async (sql, params) => {
      const r = await db.query({ text: sql, values: [...params], rowMode: 'array', types: raw });
      return { fields: r.fields.map((f) => [f.name, f.dataTypeID]), rows: r.rows };
    },
    close: () => db.end(),
  };
}

/** The differential cases for shards placed by `placement()`, against `oracle()`. */
function scatterSuite(placement: () => ShardPlacement, makeOracle: () => Promise<Oracle>): void {
  let sy: Switchyard;
  let client: pg.Client;
  let oracle: Oracle;
  beforeAll(async () => {
    sy = await startSwitchyard(placement(), { sample: true });
    client = await sy.client();
    oracle = await makeOracle();
  });
  afterAll(async () => {
    await sy?.stop();
    await oracle?.close();
  });

  it.each(cases)('$sql', async ({ sql, params, ordered }) => {
    const mine = await client.query({
      text: sql,
      values: params ? [...params] : [],
      rowMode: 'array',
      types: raw,
    });
    const theirs = await oracle.query(sql, params ?? []);
    expect(mine.fields.map((f) => [f.name, f.dataTypeID])).toEqual(theirs.fields);
    if (ordered) expect(mine.rows).toEqual(theirs.rows);
    else expect([...mine.rows].sort()).toEqual([...theirs.rows].sort());
  });

  it("EXPLAIN shows the route, the SQL each shard runs, the merge steps and each shard's plan", async () => {
    const text = async (sql: string) =>
      (await client.query(sql)).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']);
    const scatter = await text('EXPLAIN SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status');
    expect(scatter[0]).toBe('Switchyard: scatter-gather over 4 shard(s): s0, s1, s2, s3');
    expect(scatter).toContain('  merge: re-aggregate: group by 1 key(s); count');
    expect(scatter.some((l) => l.startsWith('  shard SQL: SELECT'))).toBe(true);
    for (const shard of ['s0', 's1', 's2', 's3']) expect(scatter).toContain(`  shard ${shard}:`);
    expect(scatter.some((l) => /^ {4}.*Aggregate/.test(l))).toBe(true);
    const analyzed = await text('EXPLAIN ANALYZE SELECT count(*) FROM tasks');
    expect(analyzed.filter((l) => /^ {2}shard s\d \(answered in [\d.]+ ms\):$/.test(l)).length).toBe(4);
    expect(analyzed.some((l) => l.includes('actual time'))).toBe(true);
    const single = await text('EXPLAIN SELECT * FROM tenants WHERE id = 42');
    expect(single[0]).toMatch(/^Switchyard: one shard \(s\d\)$/);
    expect(single.some((l) => l.includes('Scan'))).toBe(true);
  });

  it("prints merged min/max timestamptz in the session's TimeZone, as one database does", async () => {
    const paris = await sy.client();
    await paris.query("SET TimeZone = 'Europe/Paris'");
    await oracle.query("SET TimeZone = 'Europe/Paris'", []);
    try {
      const sql = 'SELECT max(created_at), min(created_at) FROM users';
      const mine = await paris.query({ text: sql, rowMode: 'array', types: raw });
      const theirs = await oracle.query(sql, []);
      expect(mine.rows).toEqual(theirs.rows);
      expect(String(mine.rows[0]?.[0])).toMatch(/\+0[12]$/);
    } finally {
      await oracle.query('RESET TimeZone', []);
    }
  });

  it('refuses what the merge cannot answer exactly, saying what would work', async () => {
    await expect(client.query("SELECT string_agg(name, ',') FROM tenants")).rejects.toMatchObject({
      code: '0A000',
    });
    await expect(client.query('SELECT id, rank() OVER (ORDER BY id) FROM tenants')).rejects.toMatchObject({
      code: '0A000',
    });
    // Refused when the shards describe the partial sums, before any row reaches the client.
    await expect(client.query('SELECT avg(estimate::real) FROM tasks')).rejects.toMatchObject({
      code: '0A000',
      message: expect.stringContaining('write avg(x::float8)'),
    });
    const after = await client.query('SELECT count(*) AS n FROM tasks WHERE estimate IS NOT NULL');
    expect(Number(after.rows[0].n)).toBeGreaterThan(0);
  });
}

describe('cross-shard reads equal one unsharded database (embedded shards, sample data)', () => {
  scatterSuite(() => ({ kind: 'embedded', shards: 4 }), pgliteOracle);
});

describeWithPostgres(
  'cross-shard reads equal one unsharded database (PostgreSQL shards, sample data)',
  () => {
    let server: PgServer;
    beforeAll(async () => {
      server = await startPostgres();
    });
    afterAll(() => server?.stop());
    scatterSuite(
      () => ({ kind: 'postgres', server, shards: 4 }),
      () => postgresOracle(server),
    );
  },
);
