// The scatter planner: the SQL each shard runs and the merge plan, for representative queries, and
// the refusals (with what to do) for what a merge cannot answer exactly.
import { beforeAll, describe, expect, it } from 'vitest';
import { colocatedTable, referenceTable, shardedTable } from '../../catalog/table-rules.js';
import { testCatalog } from '../../catalog/test-catalogs.js';
import { loadSqlParser, parseSql } from '../../sql/parse-sql.js';
import type { RefusedRoute } from '../refusals.js';
import type { MergePlan, ScatterPlan } from './merge-plan.js';
import { planScatter } from './plan-scatter.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const catalog = testCatalog(3, {
  users,
  orders: colocatedTable('user_id', 'users', users),
  items: shardedTable('id', { keyTypes: ['int8'] }),
  countries: referenceTable(),
});

beforeAll(loadSqlParser);

function plan(sql: string): ScatterPlan | RefusedRoute {
  const [statement] = parseSql(sql);
  if (!statement) throw new Error('no statement');
  return planScatter(statement, catalog);
}

function scatter(sql: string): ScatterPlan {
  const result = plan(sql);
  if ('type' in result) throw new Error(`refused: ${result.message}`);
  return result;
}

const asc = (index: number, from: 'start' | 'end' = 'start') => ({
  column: { from, index },
  descending: false,
  nullsFirst: false,
});
const desc = (index: number, from: 'start' | 'end' = 'start') => ({
  column: { from, index },
  descending: true,
  nullsFirst: true,
});

describe('push-down: each shard answers for its own rows', () => {
  it.each<[string, string, MergePlan]>([
    [
      'SELECT name, total FROM orders WHERE total > 5 ORDER BY created DESC LIMIT $1 OFFSET $2',
      'SELECT name, total, created FROM orders WHERE total > 5 ORDER BY created DESC LIMIT CAST($1 AS bigint) + CAST($2 AS bigint)',
      {
        hidden: 1,
        order: [desc(0, 'end')],
        limit: { kind: 'param', index: 1 },
        offset: { kind: 'param', index: 2 },
      },
    ],
    [
      'SELECT * FROM users ORDER BY name LIMIT 10 OFFSET 5',
      'SELECT *, name FROM users ORDER BY name LIMIT 15',
      {
        hidden: 1,
        order: [asc(0, 'end')],
        limit: { kind: 'const', value: '10' },
        offset: { kind: 'const', value: '5' },
      },
    ],
    [
      'SELECT name AS n, id FROM users ORDER BY n, 2 DESC NULLS LAST OFFSET 3',
      'SELECT name AS n, id FROM users ORDER BY n, 2 DESC NULLS LAST',
      {
        hidden: 0,
        order: [asc(0), { ...desc(1), nullsFirst: false }],
        offset: { kind: 'const', value: '3' },
      },
    ],
    [
      'SELECT DISTINCT ON (region) region, total FROM orders ORDER BY region, total DESC',
      'SELECT DISTINCT ON (region) region, total FROM orders ORDER BY region, total DESC',
      {
        hidden: 0,
        order: [asc(0), desc(1)],
        distinct: { kind: 'on', columns: [{ from: 'start', index: 0 }] },
      },
    ],
    [
      'SELECT DISTINCT region FROM orders',
      'SELECT DISTINCT region FROM orders',
      { hidden: 0, order: [], distinct: { kind: 'all' } },
    ],
    [
      'SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id ORDER BY o.total',
      'SELECT u.name, o.total FROM users AS u JOIN orders AS o ON o.user_id = u.id ORDER BY o.total',
      { hidden: 0, order: [asc(1)] },
    ],
    [
      // Grouped by the shard key: every group lives on one shard, so count(DISTINCT) runs as written.
      'SELECT user_id, count(DISTINCT region) FROM orders GROUP BY user_id ORDER BY 2 DESC LIMIT 5',
      'SELECT user_id, count(DISTINCT region) FROM orders GROUP BY user_id ORDER BY 2 DESC LIMIT 5',
      { hidden: 0, order: [desc(1)], limit: { kind: 'const', value: '5' } },
    ],
  ])('%s', (sql, shardSql, merge) => {
    const result = scatter(sql);
    expect(result.sql).toBe(shardSql);
    expect(result.merge).toEqual(merge);
    expect(result.route).toEqual({ type: 'all' });
    expect(Object.isFrozen(result.merge)).toBe(true);
  });

  it('scatters to the shards an IN list reaches', () => {
    expect(scatter('SELECT * FROM users WHERE id IN (1, $1)').route).toEqual({
      type: 'shard-key',
      table: 'users',
      keys: [[{ kind: 'const', value: '1' }], [{ kind: 'param', index: 1 }]],
    });
  });
});

describe('re-aggregation at the merge', () => {
  it('GROUP BY with HAVING and avg: partials on the shards, HAVING and ORDER BY after merging', () => {
    const result = scatter(
      'SELECT region, avg(total) AS a, count(*) FROM orders GROUP BY 1 HAVING count(*) > 2 ORDER BY a DESC LIMIT 3',
    );
    expect(result.sql).toBe('SELECT region, count(*), sum(total), count(total) FROM orders GROUP BY region');
    const stage = result.merge.aggregate;
    expect(stage?.groupKeys).toEqual([0]);
    expect(stage?.aggregates).toEqual([
      { name: 'count', partials: [1], distinct: false, star: true },
      { name: 'avg', partials: [2, 3], distinct: false, star: false },
    ]);
    expect(stage?.projection).toEqual([
      { kind: 'column', index: 0 },
      { kind: 'column', index: 2 },
      { kind: 'column', index: 1 },
    ]);
    expect(stage?.having?.kind === 'expr' && stage.having.text).toBe('count(*) > 2');
    expect(stage?.names).toEqual(['region', 'a', 'count']);
    expect(result.merge.order).toEqual([desc(1)]);
    expect(result.merge.limit).toEqual({ kind: 'const', value: '3' });
  });

  it('HAVING without aggregates stays on the shards', () => {
    const result = scatter('SELECT region, sum(total) FROM orders GROUP BY region HAVING region <> $1');
    expect(result.sql).toBe('SELECT region, sum(total) FROM orders GROUP BY region HAVING region <> $1');
    expect(result.merge.aggregate?.having).toBeUndefined();
  });

  it('count(DISTINCT x) without the shard key: the shards return distinct (group, x) pairs', () => {
    const result = scatter('SELECT status, count(DISTINCT region), sum(total) FROM orders GROUP BY status');
    expect(result.sql).toBe('SELECT status, region, sum(total) FROM orders GROUP BY status, region');
    expect(result.merge.aggregate?.aggregates).toEqual([
      { name: 'count', partials: [1], distinct: true, star: false },
      { name: 'sum', partials: [2], distinct: false, star: false },
    ]);
  });

  it('several DISTINCT aggregates: the shards group by every argument; FILTER becomes a CASE', () => {
    const result = scatter(
      'SELECT count(DISTINCT region), count(DISTINCT total) FILTER (WHERE paid), count(*) FROM orders',
    );
    expect(result.sql).toBe(
      'SELECT region, CASE WHEN paid THEN total END, count(*) FROM orders GROUP BY region, CASE WHEN paid THEN total END',
    );
    expect(result.merge.aggregate?.aggregates).toEqual([
      { name: 'count', partials: [0], distinct: true, star: false },
      { name: 'count', partials: [1], distinct: true, star: false },
      { name: 'count', partials: [2], distinct: false, star: true },
    ]);
  });

  it('expressions over aggregates are computed at the merge over the group row', () => {
    const result = scatter('SELECT sum(total) / count(*), round(avg(total), 2), count(*) + 1 FROM orders');
    expect(result.sql).toBe('SELECT sum(total), count(*), count(total) FROM orders');
    const stage = result.merge.aggregate;
    expect(stage?.implicitGroup).toBe(true);
    expect(stage?.projection.map((p) => (p.kind === 'expr' ? p.text : p.index))).toEqual([
      'sum(total) / count(*)',
      'round(avg(total), 2)',
      'count(*) + 1',
    ]);
    const first = stage?.projection[0];
    expect(first?.kind === 'expr' && JSON.stringify(first.node)).toContain('"__g0"');
    expect(stage?.names).toEqual(['?column?', 'round', '?column?']);
  });

  it('GROUP BY an expression, ORDER BY an alias of an expression of the group keys', () => {
    const result = scatter('SELECT region, a + 1 AS b, count(*) FROM orders GROUP BY region, a ORDER BY b');
    expect(result.sql).toBe('SELECT region, a, a + 1, count(*) FROM orders GROUP BY region, a');
    expect(result.merge.aggregate?.carried).toEqual([2]);
    expect(result.merge.order).toEqual([asc(1)]);
  });

  it('ORDER BY an aggregate that is not selected becomes a hidden projected column', () => {
    const result = scatter('SELECT region FROM orders GROUP BY region ORDER BY max(total) DESC');
    expect(result.sql).toBe('SELECT region, max(total) FROM orders GROUP BY region');
    expect(result.merge.hidden).toBe(1);
    expect(result.merge.order).toEqual([desc(1)]);
  });
});

describe('refusals', () => {
  it.each<[string, string]>([
    ['SELECT u.name FROM users u JOIN items i ON i.id = u.id', 'not co-located'],
    ['SELECT * FROM users u JOIN orders o ON o.total = u.id', 'is not joined to "users" on the shard key'],
    [
      'SELECT * FROM users WHERE name IN (SELECT region FROM orders)',
      'is not joined to "users" on the shard key',
    ],
    ['SELECT row_number() OVER () FROM users', 'window functions across shards'],
    ['SELECT * FROM users WHERE created < now()', 'now() would give a different value on each shard'],
    ['SELECT random() FROM users', 'random() would give a different value'],
    ['SELECT * FROM users WHERE created < CURRENT_TIMESTAMP', 'differ from shard to shard'],
    ["SELECT string_agg(name, ',') FROM users", 'string_agg() across shards is not supported yet'],
    ['SELECT name FROM users UNION SELECT region FROM orders', 'UNION, INTERSECT and EXCEPT'],
    ['SELECT * FROM users FOR UPDATE', 'FOR UPDATE/SHARE'],
    ['SELECT * FROM users LIMIT 1 + 1', 'LIMIT across shards must be an integer constant or a parameter'],
    ['SELECT * FROM countries', 'reads no sharded table'],
    ['SELECT region, count(*) FROM orders GROUP BY ROLLUP (region)', 'GROUPING SETS, ROLLUP and CUBE'],
  ])('%s', (sql, message) => {
    const result = plan(sql);
    expect(result).toMatchObject({ type: 'refused', code: '0A000' });
    expect('message' in result && result.message).toContain(message);
  });
});
