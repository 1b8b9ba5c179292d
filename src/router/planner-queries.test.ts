// Routing of SELECT, INSERT, UPDATE and DELETE: shard key detection, joins, subqueries, CTEs, and
// the refusals that keep the router from answering a cross-shard question from one shard.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog.js';
import { colocatedTable, referenceTable, shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import { Planner } from './planner.js';
import type { KeySource, Route, StatementPlan } from './route-plan.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const orders = colocatedTable('user_id', 'users', users);
const catalog: Catalog = testCatalog(3, {
  users,
  orders,
  order_items: colocatedTable('user_id', 'orders', orders),
  items: shardedTable('id', { keyTypes: ['int8'] }),
  countries: referenceTable(),
  'app.events': shardedTable(['tenant_id', 'id'], { keyTypes: ['int4', 'uuid'] }),
  Accounts: shardedTable('Id', { keyTypes: ['int8'] }),
});
// The single-shard planner alone: what it refuses is what scatter-gather then considers.
const planner = new Planner(() => catalog, { scatter: false });

beforeAll(async () => {
  await loadSqlParser();
});

function plan(sql: string): StatementPlan {
  const plans = planner.plan(sql);
  expect(plans).toHaveLength(1);
  return plans[0] as StatementPlan;
}

const c = (value: string | null): KeySource => ({ kind: 'const', value });
const p = (index: number): KeySource => ({ kind: 'param', index });
const key = (table: string, ...keys: KeySource[][]): Route => ({ type: 'shard-key', table, keys });
const HOME: Route = { type: 'shard', shard: 's0' };

describe('single-table statements pinned by the shard key', () => {
  it.each<[string, Route]>([
    ['SELECT * FROM users WHERE id = 42', key('users', [c('42')])],
    ['SELECT * FROM users WHERE 42 = id', key('users', [c('42')])],
    ['SELECT * FROM users WHERE id = $1', key('users', [p(1)])],
    ['SELECT * FROM users WHERE id = $1::int8', key('users', [p(1)])],
    ['SELECT * FROM users WHERE id = CAST($1 AS bigint)', key('users', [p(1)])],
    ["SELECT * FROM users WHERE id = '42'::bigint", key('users', [c('42')])],
    ['SELECT * FROM users WHERE id::int8 = $2', key('users', [p(2)])],
    ['SELECT * FROM users WHERE id = -7', key('users', [c('-7')])],
    ['SELECT * FROM users WHERE id = 9223372036854775807', key('users', [c('9223372036854775807')])],
    ['SELECT * FROM users WHERE users.id = 1', key('users', [c('1')])],
    ['SELECT * FROM public.users u WHERE u.id = 1', key('users', [c('1')])],
    ['SELECT * FROM users WHERE public.users.id = 1', key('users', [c('1')])],
    ['SELECT * FROM USERS WHERE ID = 1', key('users', [c('1')])],
    ['SELECT * FROM users WHERE name = $1 AND id = $2 AND age > 3', key('users', [p(2)])],
    [
      'SELECT * FROM users WHERE (id = 1 AND name = $1) OR (id = 2 AND name = $2)',
      key('users', [c('1')], [c('2')]),
    ],
    ['SELECT * FROM users WHERE id IN (1, 2, $1)', key('users', [c('1')], [c('2')], [p(1)])],
    ['SELECT * FROM users WHERE id = ANY(ARRAY[1, 2])', key('users', [c('1')], [c('2')])],
    ['SELECT * FROM users WHERE id = 1 OR id = 2 OR id = 1', key('users', [c('1')], [c('2')])],
    ['SELECT * FROM users WHERE id IN (1, 2) AND id = 3', key('users', [c('3')])],
    ['SELECT * FROM users WHERE id IS NOT DISTINCT FROM $1', key('users', [p(1)])],
    ['SELECT * FROM users WHERE (id, name) = (5, $1)', key('users', [c('5')])],
    [
      'SELECT count(*), max(name) FROM users WHERE id = 1 GROUP BY name ORDER BY 1 LIMIT 3',
      key('users', [c('1')]),
    ],
    ['SELECT * FROM users WHERE id = 1 FOR UPDATE', key('users', [c('1')])],
    ['UPDATE users SET name = $1 WHERE id = $2', key('users', [p(2)])],
    ['UPDATE users SET name = $1 WHERE id = $2 RETURNING *', key('users', [p(2)])],
    ['DELETE FROM users WHERE id IN ($1, $2)', key('users', [p(1)], [p(2)])],
    ['SELECT * FROM "Accounts" WHERE "Id" = 1', key('Accounts', [c('1')])],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it('pins a multi-column key only when every column is pinned, as a cross product', () => {
    expect(plan('SELECT * FROM app.events WHERE tenant_id = 1 AND id = $1').route).toEqual(
      key('app.events', [c('1'), p(1)]),
    );
    expect(plan('SELECT * FROM app.events WHERE tenant_id IN (1, 2) AND id = $1').route).toEqual(
      key('app.events', [c('1'), p(1)], [c('2'), p(1)]),
    );
    expect(plan('SELECT * FROM app.events WHERE tenant_id = 1').route.type).toBe('refused');
    expect(plan('SELECT * FROM events WHERE tenant_id = 1 AND id = $1').route).toEqual(HOME);
  });

  it('lists the tables as written and marks writes', () => {
    const select = plan('SELECT * FROM public.users u JOIN orders o ON o.user_id = u.id WHERE u.id = 1');
    expect(select).toMatchObject({
      kind: 'select',
      writes: false,
      tables: ['public.users', 'orders'],
      paramCount: 0,
    });
    expect(plan('UPDATE users SET name = $2 WHERE id = $1')).toMatchObject({
      kind: 'update',
      writes: true,
      paramCount: 2,
    });
    expect(plan('DELETE FROM users WHERE id = 1')).toMatchObject({ kind: 'delete', writes: true });
  });
});

describe('statements that would need several shards are refused', () => {
  it.each<[string, RegExp]>([
    [
      'SELECT * FROM users',
      /this SELECT reads every shard of "users": cross-shard reads are not supported yet/,
    ],
    ['SELECT * FROM users WHERE id > 5', /reads every shard/],
    ['SELECT * FROM users WHERE id <> 5', /reads every shard/],
    ['SELECT * FROM users WHERE NOT (id = 5)', /reads every shard/],
    ['SELECT * FROM users WHERE id = 5 OR name = $1', /reads every shard/],
    ['SELECT * FROM users WHERE id = $1 + 1', /reads every shard/],
    ['SELECT * FROM users WHERE id = abs($1)', /reads every shard/],
    ['SELECT * FROM users WHERE id = ANY($1)', /reads every shard/],
    ['SELECT * FROM users WHERE id IN (SELECT user_id FROM orders)', /reads every shard/],
    ['SELECT * FROM users WHERE id::text = $1', /reads every shard/],
    ['SELECT * FROM users WHERE id = 3.5::int8', /reads every shard/],
    ['SELECT * FROM users WHERE id = 5.0', /reads every shard/],
    ['SELECT * FROM users WHERE id = 1e3', /reads every shard/],
    ['SELECT * FROM users WHERE id = \'1\' COLLATE "C"', /reads every shard/],
    [
      'SELECT * FROM users u WHERE EXISTS (SELECT 1 FROM users v WHERE v.id = 1)',
      /reads every shard of "users"/,
    ],
    [
      'UPDATE users SET name = $1',
      /this UPDATE writes to every shard of "users", which needs two-phase commit/,
    ],
    ['DELETE FROM users WHERE name = $1', /this DELETE writes to every shard of "users"/],
  ])('%s', (sql, message) => {
    const route = plan(sql).route;
    expect(route).toMatchObject({ type: 'refused', code: '0A000' });
    expect(route.type === 'refused' && route.message).toMatch(message);
  });

  it('says what to add', () => {
    expect(plan('SELECT * FROM users').route).toEqual({
      type: 'refused',
      code: '0A000',
      message: 'this SELECT reads every shard of "users": cross-shard reads are not supported yet',
      hint: 'add the shard key (id = …) to WHERE',
    });
  });

  it('refuses updating the shard key, in SET or in ON CONFLICT DO UPDATE', () => {
    for (const sql of [
      'UPDATE users SET id = $1 WHERE id = $2',
      'UPDATE users SET (name, id) = ($1, $2) WHERE id = $3',
      'INSERT INTO users (id, name) VALUES (1, $1) ON CONFLICT (name) DO UPDATE SET id = excluded.id',
    ]) {
      const route = plan(sql).route;
      expect(route.type === 'refused' && route.message).toMatch(
        /^updating the shard key moves the row to another shard: delete and re-insert it/,
      );
    }
  });
});

describe('joins', () => {
  it.each<[string, Route]>([
    ['SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = $1', key('users', [p(1)])],
    ['SELECT * FROM users u JOIN orders o ON o.user_id = u.id WHERE o.user_id = $1', key('users', [p(1)])],
    ['SELECT * FROM users u, orders o WHERE u.id = o.user_id AND u.id = 7', key('users', [c('7')])],
    [
      'SELECT * FROM users JOIN orders ON orders.user_id = users.id WHERE users.id = 7',
      key('users', [c('7')]),
    ],
    [
      'SELECT * FROM users u JOIN orders o ON o.user_id = u.id JOIN order_items i ON i.user_id = o.user_id WHERE u.id = 1',
      key('users', [c('1')]),
    ],
    ['SELECT * FROM orders o JOIN users u ON u.id = o.user_id AND u.id = 4', key('orders', [c('4')])],
    ['SELECT * FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.id = 3', key('users', [c('3')])],
    ['SELECT * FROM orders o RIGHT JOIN users u ON o.user_id = u.id WHERE u.id = 3', key('orders', [c('3')])],
    ['SELECT * FROM users a JOIN users b ON a.id = b.id WHERE b.id = 2', key('users', [c('2')])],
    ['SELECT * FROM users u JOIN countries c ON c.code = u.country WHERE u.id = 2', key('users', [c('2')])],
    ['SELECT * FROM users u, orders o WHERE u.id = 1 AND o.user_id = 1', key('users', [c('1')])],
    ['SELECT * FROM users u, orders o WHERE u.id = 1 AND o.user_id = 2', key('users', [c('1')], [c('2')])],
    ['SELECT * FROM users u JOIN pg_catalog.pg_class c ON true WHERE u.id = 1', key('users', [c('1')])],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it.each<[string, RegExp]>([
    ['SELECT * FROM users u JOIN orders o ON o.user_id = u.id', /reads every shard of "users"/],
    [
      'SELECT * FROM users u JOIN orders o ON o.id = u.id WHERE u.id = 1',
      /reads every shard of "orders": neither WHERE nor a join on the shard key pins its key/,
    ],
    ['SELECT * FROM users u JOIN orders o ON true WHERE u.id = 1', /reads every shard of "orders"/],
    [
      'SELECT * FROM users u JOIN orders o ON o.user_id = u.id OR o.id = 1 WHERE u.id = 1',
      /reads every shard of "orders"/,
    ],
    // An outer join's ON clause filters only its nullable side: the preserved side is read in full.
    [
      'SELECT * FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.user_id = 3',
      /reads every shard of "users"/,
    ],
    [
      'SELECT * FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE o.user_id = 3',
      /reads every shard of "users"/,
    ],
    [
      'SELECT * FROM users u FULL JOIN orders o ON o.user_id = u.id WHERE u.id = 3',
      /reads every shard of "orders"/,
    ],
    [
      'SELECT * FROM users u LEFT JOIN (orders o JOIN order_items i ON i.user_id = o.user_id AND i.user_id = 5) ON o.user_id = u.id',
      /reads every shard of "users"/,
    ],
  ])('refuses %s', (sql, message) => {
    const route = plan(sql).route;
    expect(route.type === 'refused' && route.message).toMatch(message);
  });

  it('refuses joins of tables that are not co-located, even with equal keys', () => {
    const route = plan('SELECT * FROM users u JOIN items i ON i.id = u.id WHERE u.id = 1').route;
    expect(route).toMatchObject({ type: 'refused', code: '0A000' });
    expect(route.type === 'refused' && route.message).toBe(
      '"users" and "items" are not co-located, so rows that match may sit on different shards: cross-shard joins are not supported yet',
    );
    expect(route.type === 'refused' && route.hint).toMatch(
      /co-locate the tables.*or make one of them a reference table/,
    );
  });

  it('refuses mixing a table the catalog does not name with a sharded table', () => {
    const route = plan('SELECT * FROM users u JOIN notes n ON n.user_id = u.id WHERE u.id = 1').route;
    expect(route.type === 'refused' && route.message).toMatch(
      /uses "notes", which the catalog does not name \(an unsharded table on the home shard s0 only\), together with sharded table "users"/,
    );
    expect(route.type === 'refused' && route.hint).toMatch(/reference table/);
  });

  it('follows JOIN … USING on the shard key', () => {
    expect(plan('SELECT * FROM users u JOIN order_items i USING (id) WHERE u.id = 1').route.type).toBe(
      'refused',
    );
    expect(
      plan('SELECT * FROM orders o JOIN order_items i USING (user_id) WHERE o.user_id = 1').route,
    ).toEqual(key('orders', [c('1')]));
  });
});

describe('subqueries and CTEs', () => {
  it.each<[string, Route]>([
    [
      'SELECT * FROM users WHERE id = 5 AND EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id)',
      key('users', [c('5')]),
    ],
    [
      'SELECT * FROM users u WHERE u.id = $1 AND u.id IN (SELECT o.user_id FROM orders o WHERE o.user_id = u.id)',
      key('users', [p(1)]),
    ],
    [
      'SELECT (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u WHERE u.id = 1',
      key('users', [c('1')]),
    ],
    ['SELECT * FROM (SELECT * FROM users WHERE id = 1) s', key('users', [c('1')])],
    [
      'SELECT * FROM users u, LATERAL (SELECT * FROM orders o WHERE o.user_id = u.id) l WHERE u.id = 9',
      key('users', [c('9')]),
    ],
    ['WITH x AS (SELECT * FROM users WHERE id = $1) SELECT * FROM x', key('users', [p(1)])],
    [
      'WITH x AS (SELECT * FROM users WHERE id = 1) SELECT * FROM x JOIN countries c ON true',
      key('users', [c('1')]),
    ],
    ['WITH d AS (DELETE FROM orders WHERE user_id = 2 RETURNING *) SELECT * FROM d', key('orders', [c('2')])],
    [
      'SELECT id FROM users WHERE id = 1 UNION ALL SELECT user_id FROM orders WHERE user_id = 1',
      key('users', [c('1')]),
    ],
    [
      'SELECT * FROM users WHERE id = 1 AND name = (SELECT name FROM countries LIMIT 1)',
      key('users', [c('1')]),
    ],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it('marks a data-modifying CTE as a write', () => {
    expect(plan('WITH d AS (DELETE FROM orders WHERE user_id = 2 RETURNING *) SELECT * FROM d').writes).toBe(
      true,
    );
  });

  it.each<[string, RegExp]>([
    // NOT EXISTS: the correlation restricts the subquery, never the outer rows.
    [
      'SELECT * FROM orders o WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = o.user_id AND u.id = 1)',
      /every shard of "orders"/,
    ],
    ['SELECT * FROM users WHERE id = 1 AND name IN (SELECT name FROM orders)', /every shard of "orders"/],
    [
      'SELECT * FROM (SELECT * FROM users WHERE id = 1) s JOIN orders o ON o.user_id = s.id',
      /every shard of "orders"/,
    ],
    ['WITH x AS (SELECT * FROM users) SELECT * FROM x WHERE id = 1', /every shard of "users"/],
    ['SELECT id FROM users WHERE id = 1 UNION SELECT user_id FROM orders', /every shard of "orders"/],
    [
      'SELECT * FROM users u WHERE u.id = 1 AND EXISTS (SELECT 1 FROM (SELECT 1) u, orders o WHERE o.user_id = u.id)',
      /every shard of "orders"/,
    ],
  ])('refuses %s', (sql, message) => {
    const route = plan(sql).route;
    expect(route.type === 'refused' && route.message).toMatch(message);
  });
});

describe('INSERT', () => {
  it.each<[string, Route]>([
    ['INSERT INTO users (id, name) VALUES ($1, $2)', key('users', [p(1)])],
    [
      "INSERT INTO users (name, id) VALUES ('a', 1), ('b', $1), ('c', '3'::int8)",
      key('users', [c('1')], [p(1)], [c('3')]),
    ],
    ['INSERT INTO users (id, name) VALUES (1, $1) RETURNING id, name', key('users', [c('1')])],
    [
      'INSERT INTO users (id, name) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET name = excluded.name',
      key('users', [c('1')]),
    ],
    ['INSERT INTO users (id, name) VALUES (1, $1) ON CONFLICT DO NOTHING', key('users', [c('1')])],
    ['INSERT INTO app.events (id, tenant_id) VALUES ($1, 7)', key('app.events', [c('7'), p(1)])],
    ['INSERT INTO notes (id) VALUES (1)', HOME],
    ['INSERT INTO notes SELECT * FROM notes', HOME],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it.each<[string, string, RegExp]>([
    ['INSERT INTO users (name) VALUES ($1)', '23502', /leaves out the shard key column "id"/],
    [
      'INSERT INTO users (id, name) VALUES (DEFAULT, $1)',
      '23502',
      /leaves shard key column "id" to its DEFAULT/,
    ],
    ['INSERT INTO users DEFAULT VALUES', '23502', /DEFAULT VALUES/],
    [
      'INSERT INTO users (id) VALUES (NULL)',
      '23502',
      /a row with a NULL shard key \("id"\) cannot be placed/,
    ],
    ['INSERT INTO users VALUES (1, $1)', '0A000', /must name its columns/],
    ['INSERT INTO users (id) VALUES (nextval($1))', '0A000', /an expression Switchyard cannot evaluate/],
    ['INSERT INTO users (id) VALUES ($1 + 1)', '0A000', /cannot evaluate/],
    [
      'INSERT INTO users (id) SELECT id FROM users WHERE id = 1',
      '0A000',
      /INSERT … SELECT into sharded table "users"/,
    ],
    [
      'INSERT INTO users (id, name) VALUES (1, (SELECT name FROM orders))',
      '0A000',
      /every shard of "orders"/,
    ],
    ['INSERT INTO countries (code) VALUES ($1)', '0A000', /a write to a reference table changes every shard/],
    ['INSERT INTO notes (id) SELECT id FROM users WHERE id = 1', '0A000', /catalog does not name/],
  ])('refuses %s', (sql, code, message) => {
    const route = plan(sql).route;
    expect(route).toMatchObject({ type: 'refused', code });
    expect(route.type === 'refused' && route.message).toMatch(message);
  });
});

describe('reference tables, unsharded tables and queries without tables', () => {
  it.each<[string, Route]>([
    ['SELECT * FROM countries', { type: 'any' }],
    ['SELECT * FROM countries c JOIN countries d ON true', { type: 'any' }],
    ['SELECT 1', { type: 'any' }],
    ['SELECT version()', { type: 'any' }],
    ["SELECT current_setting('server_version_num')", { type: 'any' }],
    ['VALUES (1), (2)', { type: 'any' }],
    ["SELECT nextval('users_id_seq')", HOME],
    ['SELECT pg_advisory_lock(1)', HOME],
    ['SELECT my_function(1)', HOME],
    ['SELECT nextval($1) FROM countries', HOME],
    ['SELECT * FROM notes', HOME],
    ['SELECT * FROM notes n JOIN countries c ON true', HOME],
    ['UPDATE notes SET body = $1', HOME],
    ['DELETE FROM app.notes', HOME],
    ['SELECT * FROM pg_catalog.pg_class', HOME],
    ['SELECT * FROM information_schema.tables', HOME],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it.each([
    'UPDATE countries SET name = $1 WHERE code = $2',
    'DELETE FROM countries',
    "INSERT INTO countries VALUES ('x')",
  ])('marks the write %s to a reference table as one for every shard', (sql) => {
    const route = plan(sql).route;
    expect(route).toMatchObject({ type: 'refused', code: '0A000' });
    expect(route.type === 'refused' && route.message).toMatch(
      /^a write to a reference table changes every shard: writing to "countries" needs two-phase commit/,
    );
    // The marker the full planner turns into a write on every shard (multi-shard-write.ts).
    expect(route).toMatchObject({ everyShard: 'reference' });
  });

  it('refuses MERGE and cursors in queries', () => {
    const merge = plan(
      'MERGE INTO users u USING orders o ON u.id = o.user_id WHEN MATCHED THEN DELETE',
    ).route;
    expect(merge.type === 'refused' && merge.message).toBe('MERGE is not supported yet');
    const current = plan('UPDATE notes SET x = 1 WHERE CURRENT OF c').route;
    expect(current.type === 'refused' && current.message).toMatch(/cursors are not supported yet/);
  });
});
