// Cross-shard reads against the correctness oracle: the same statements through Switchyard over 4
// embedded shards holding the sample data, and on one unsharded database holding the same rows.
// Results must be equal: in order where the statement orders its rows completely, as multisets
// otherwise; same column names and types. (The full differential suite of the cross-shard issue
// grows from here.)
import { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSchemaSql } from '../../src/cluster/sample-data.js';
import { type Switchyard, startSwitchyard } from './switchyard-harness.js';

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

describe('cross-shard reads equal one unsharded database (embedded shards, sample data)', () => {
  let sy: Switchyard;
  let client: pg.Client;
  let oracle: PGlite;
  beforeAll(async () => {
    sy = await startSwitchyard({ kind: 'embedded', shards: 4 }, { sample: true });
    client = await sy.client();
    oracle = await PGlite.create();
    await oracle.exec(sampleSchemaSql(undefined, undefined));
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
    const theirs = await oracle.query<unknown[]>(sql, params ? [...params] : [], {
      rowMode: 'array',
      parsers: textParsers,
    });
    expect(mine.fields.map((f) => [f.name, f.dataTypeID])).toEqual(
      theirs.fields.map((f) => [f.name, f.dataTypeID]),
    );
    const expected = theirs.rows.map((r) => r.map((v) => (v === null ? null : String(v))));
    if (ordered) expect(mine.rows).toEqual(expected);
    else expect([...mine.rows].sort()).toEqual([...expected].sort());
  });

  it('refuses what the merge cannot answer exactly, saying what would work', async () => {
    await expect(client.query("SELECT string_agg(name, ',') FROM tenants")).rejects.toMatchObject({
      code: '0A000',
    });
    await expect(client.query('SELECT id, rank() OVER (ORDER BY id) FROM tenants')).rejects.toMatchObject({
      code: '0A000',
    });
  });
});
