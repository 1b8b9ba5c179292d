// Plans of everything but plain queries: DDL, COPY, transaction control, settings, EXPLAIN, and the
// statements psql and pgbench send. Also the plan cache.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../catalog/catalog.js';
import { colocatedTable, referenceTable, shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { loadSqlParser, parseSql } from '../sql/parse-sql.js';
import { Planner } from './planner.js';
import type { Route, StatementPlan } from './route-plan.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const accounts = shardedTable('aid', { keyTypes: ['int4'] });
const tables = {
  users,
  orders: colocatedTable('user_id', 'users', users),
  murmured: shardedTable('id', { keyTypes: ['text'], hasher: 'murmur3' }),
  countries: referenceTable(),
  pgbench_accounts: accounts,
  pgbench_history: colocatedTable('aid', 'pgbench_accounts', accounts),
  pgbench_branches: shardedTable('bid', { keyTypes: ['int4'] }),
  pgbench_tellers: shardedTable('tid', { keyTypes: ['int4'] }),
};
let catalog: Catalog = testCatalog(2, tables);
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

function refusal(sql: string): { code: string; message: string; hint?: string } {
  const route = plan(sql).route;
  if (route.type !== 'refused')
    throw new Error(`expected ${sql} to be refused, got ${JSON.stringify(route)}`);
  return route;
}

const ALL: Route = { type: 'all' };
const HOME: Route = { type: 'shard', shard: 's0' };

describe('DDL', () => {
  it.each<[string, Route]>([
    ['CREATE TABLE users (id bigint PRIMARY KEY, name text)', ALL],
    ['CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id), PRIMARY KEY (user_id, id))', ALL],
    ['CREATE TABLE countries (code text PRIMARY KEY)', ALL],
    ['CREATE TABLE notes (id serial PRIMARY KEY, country text REFERENCES countries)', HOME],
    ['CREATE TEMP TABLE scratch (x int)', HOME],
    ['ALTER TABLE users ADD COLUMN email text', ALL],
    ['ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (id, email)', ALL],
    ['ALTER TABLE notes ADD COLUMN x int', HOME],
    ['CREATE INDEX users_name ON users (name)', ALL],
    ['CREATE UNIQUE INDEX users_id_name ON users (id, name)', ALL],
    ['CREATE INDEX notes_x ON notes (x)', HOME],
    ['DROP INDEX users_name', ALL],
    ['ALTER INDEX users_name RENAME TO users_by_name', ALL],
    ['DROP TABLE notes', HOME],
    ['TRUNCATE users, orders', ALL],
    ['TRUNCATE countries', ALL],
    ['TRUNCATE notes', HOME],
    ["COMMENT ON TABLE users IS 'people'", ALL],
    ["COMMENT ON COLUMN users.name IS 'name'", ALL],
    ["COMMENT ON TABLE notes IS 'x'", HOME],
    ['GRANT SELECT ON users TO reader', ALL],
    ['GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader', ALL],
    ['CREATE SCHEMA app', ALL],
    ['CREATE EXTENSION IF NOT EXISTS pgcrypto', ALL],
    ["CREATE TYPE mood AS ENUM ('sad', 'ok')", ALL],
    ["CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'", ALL],
    ['CREATE SEQUENCE ids', ALL],
    ['ALTER SEQUENCE ids RESTART', ALL],
    ['DROP SCHEMA app CASCADE', ALL],
    ['DROP FUNCTION one()', ALL],
    ['CREATE VIEW v AS SELECT * FROM notes JOIN countries ON true', HOME],
    ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM notes', HOME],
    ['REFRESH MATERIALIZED VIEW mv', HOME],
    ['DROP VIEW v', HOME],
    ['CREATE TABLE notes2 AS SELECT * FROM notes', HOME],
    ['CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()', ALL],
    ['VACUUM', ALL],
    ['VACUUM ANALYZE users', ALL],
    ['ANALYZE notes', HOME],
    ['REINDEX INDEX users_name', ALL],
    ['REINDEX TABLE notes', HOME],
    ['CLUSTER users USING users_name', ALL],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it('marks DDL as a write of kind ddl', () => {
    expect(plan('CREATE INDEX i ON users (name)')).toMatchObject({
      kind: 'ddl',
      writes: true,
      tables: ['users'],
    });
    expect(plan('TRUNCATE users')).toMatchObject({ kind: 'ddl', writes: true });
  });

  it('asks for the range CHECK after CREATE TABLE of a table hashed by PostgreSQL', () => {
    expect(plan('CREATE TABLE users (id bigint PRIMARY KEY)').ddl).toEqual({
      createdTable: 'users',
      checkTable: 'users',
    });
    expect(plan('CREATE TABLE murmured (id text PRIMARY KEY)').ddl).toEqual({ createdTable: 'murmured' });
    expect(plan('CREATE TABLE countries (code text)').ddl).toEqual({ createdTable: 'countries' });
    expect(plan('CREATE TABLE notes (x int)').ddl).toBeUndefined();
  });

  it('lists the sharded and reference tables a DROP TABLE drops, and runs it everywhere', () => {
    const drop = plan('DROP TABLE IF EXISTS users, countries, notes CASCADE');
    expect(drop.route).toEqual(ALL);
    expect(drop.ddl).toEqual({ droppedTables: ['users', 'countries'] });
  });

  it.each<[string, RegExp]>([
    [
      'CREATE TABLE users (id bigint, email text UNIQUE)',
      /a UNIQUE constraint on sharded table "users" must include the shard key \(id\)/,
    ],
    [
      'CREATE TABLE users (id bigint, email text, PRIMARY KEY (email))',
      /a PRIMARY KEY on sharded table "users" must include the shard key/,
    ],
    [
      'CREATE TABLE users (id bigint, r tsrange, EXCLUDE USING gist (r WITH &&))',
      /an exclusion constraint on sharded table "users"/,
    ],
    [
      'CREATE UNIQUE INDEX u ON users (name)',
      /a unique index on sharded table "users" must include the shard key/,
    ],
    ['ALTER TABLE users ADD PRIMARY KEY (email)', /must include the shard key/],
    [
      'ALTER TABLE users ALTER COLUMN id TYPE text',
      /"id" is the shard key of "users": changing the type of it is not supported/,
    ],
    ['ALTER TABLE users DROP COLUMN id', /dropping it is not supported/],
    ['ALTER TABLE users RENAME COLUMN id TO uid', /renaming it is not supported/],
    [
      'ALTER TABLE users RENAME TO people',
      /renaming "users" would leave the catalog naming a table that no longer exists/,
    ],
    ['ALTER TABLE users SET SCHEMA app', /moving "users" to another schema/],
    [
      'CREATE TABLE notes (id int, user_id bigint REFERENCES users (id))',
      /unsharded table "notes" cannot refer to sharded table "users"/,
    ],
    [
      'CREATE TABLE orders (id bigint, user_id bigint, note int REFERENCES notes)',
      /sharded table "orders" cannot refer to unsharded table "notes"/,
    ],
    [
      'CREATE TABLE countries (code text, owner bigint REFERENCES users)',
      /reference table "countries" cannot refer to sharded table "users"/,
    ],
    [
      'CREATE TABLE orders (id bigint, user_id bigint, c bigint REFERENCES pgbench_branches)',
      /not co-located/,
    ],
    [
      'TRUNCATE users, notes',
      /names "notes", which lives on the home shard s0 only, and "users", which lives on every shard/,
    ],
    ['CREATE VIEW v AS SELECT * FROM users', /a view over sharded table "users" is not supported/],
    [
      'CREATE TABLE users AS SELECT 1 AS id',
      /creating sharded table "users" from a query is not supported yet/,
    ],
    ['SELECT * INTO notes3 FROM users', /creating table "notes3" from a query over sharded table "users"/],
    ['CREATE DATABASE other', /CREATE DATABASE acts on a whole server/],
    ['CREATE SCHEMA app CREATE TABLE t (x int)', /CREATE SCHEMA with the objects to create in it/],
    ['LOCK TABLE users', /LOCK TABLE "users" locks rows on every shard/],
  ])('refuses %s', (sql, message) => {
    const route = refusal(sql);
    expect(route.code).toBe('0A000');
    expect(route.message).toMatch(message);
    expect(route.hint).toBeTruthy();
  });

  it('locks unsharded tables on the home shard', () => {
    expect(plan('LOCK TABLE notes IN EXCLUSIVE MODE').route).toEqual(HOME);
  });
});

describe('COPY', () => {
  it('routes COPY FROM STDIN into a sharded table row by row', () => {
    const copy = plan(
      "COPY users (name, id) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';', NULL 'x')",
    );
    expect(copy).toMatchObject({
      kind: 'copy-in',
      writes: true,
      route: { type: 'shard-key', table: 'users', keys: [] },
    });
    expect(copy.copy).toEqual({
      direction: 'in',
      columns: ['name', 'id'],
      table: 'users',
      keyColumns: ['id'],
      keyPositions: [1],
      format: {
        format: 'csv',
        delimiter: ';',
        null: 'x',
        header: true,
        quote: '"',
        escape: '"',
        forceNull: [],
        forceNotNull: [],
        default: undefined,
      },
    });
  });

  it("fills in PostgreSQL's defaults and leaves key positions to the session without a column list", () => {
    const copy = plan('COPY pgbench_accounts FROM STDIN WITH (FREEZE ON)').copy;
    expect(copy?.format).toMatchObject({ format: 'text', delimiter: '\t', null: '\\N', header: false });
    expect(copy?.keyPositions).toBeUndefined();
    expect(copy?.keyColumns).toEqual(['aid']);
    expect(plan('COPY users FROM STDIN CSV HEADER').copy?.format).toMatchObject({
      format: 'csv',
      null: '',
      header: true,
    });
    expect(
      plan('COPY users FROM STDIN WITH (FORMAT csv, HEADER match, FORCE_NULL *)').copy?.format,
    ).toMatchObject({
      header: 'match',
      forceNull: '*',
    });
    expect(plan('COPY users FROM STDIN (FORMAT binary)').copy?.format.format).toBe('binary');
  });

  it.each<[string, Route]>([
    ['COPY users TO STDOUT', ALL],
    ['COPY (SELECT id, name FROM users WHERE name IS NOT NULL) TO STDOUT', ALL],
    [
      'COPY (SELECT * FROM users WHERE id = 4) TO STDOUT',
      { type: 'shard-key', table: 'users', keys: [[{ kind: 'const', value: '4' }]] },
    ],
    ['COPY countries TO STDOUT', { type: 'any' }],
    ['COPY notes TO STDOUT', HOME],
    ['COPY notes FROM STDIN', HOME],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it.each<[string, string, RegExp]>([
    [
      "COPY users FROM '/tmp/users.csv'",
      '0A000',
      /COPY from a file or program on the server is not supported/,
    ],
    ["COPY users TO PROGRAM 'gzip > /tmp/x'", '0A000', /COPY to a file or program on the server/],
    ['COPY countries FROM STDIN', '0A000', /a write to a reference table/],
    ['COPY users (name) FROM STDIN', '23502', /must include the shard key column "id"/],
    ["COPY users FROM STDIN WITH (ENCODING 'LATIN1')", '0A000', /ENCODING other than UTF8/],
    ["COPY users FROM STDIN WITH (DELIMITER '||')", '0A000', /single one-byte character/],
    ['COPY (SELECT count(*) FROM users) TO STDOUT', '0A000', /reads every shard/],
    ['COPY (SELECT * FROM users ORDER BY id) TO STDOUT', '0A000', /reads every shard/],
  ])('refuses %s', (sql, code, message) => {
    const route = refusal(sql);
    expect(route.code).toBe(code);
    expect(route.message).toMatch(message);
  });
});

describe('transactions, settings and other utility statements', () => {
  it.each<[string, Route]>([
    ['BEGIN', { type: 'transaction', action: { type: 'begin' } }],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY', { type: 'transaction', action: { type: 'begin' } }],
    ['START TRANSACTION', { type: 'transaction', action: { type: 'begin' } }],
    ['COMMIT', { type: 'transaction', action: { type: 'commit' } }],
    ['END', { type: 'transaction', action: { type: 'commit' } }],
    ['COMMIT AND CHAIN', { type: 'transaction', action: { type: 'commit', chain: true } }],
    ['ROLLBACK', { type: 'transaction', action: { type: 'rollback' } }],
    ['ABORT', { type: 'transaction', action: { type: 'rollback' } }],
    ['SAVEPOINT sp1', { type: 'transaction', action: { type: 'savepoint', name: 'sp1' } }],
    ['RELEASE sp1', { type: 'transaction', action: { type: 'release', name: 'sp1' } }],
    ['RELEASE SAVEPOINT sp1', { type: 'transaction', action: { type: 'release', name: 'sp1' } }],
    ['ROLLBACK TO sp1', { type: 'transaction', action: { type: 'rollback-to', name: 'sp1' } }],
    ['ROLLBACK TO SAVEPOINT "Sp"', { type: 'transaction', action: { type: 'rollback-to', name: 'Sp' } }],
    ['LISTEN events', HOME],
    ["NOTIFY events, 'x'", HOME],
    ['UNLISTEN *', HOME],
    ['CALL refresh_notes()', HOME],
    ['CHECKPOINT', ALL],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it.each([
    ['SET search_path = app, public', 'set'],
    ['SET LOCAL statement_timeout = 1000', 'set'],
    ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'set'],
    ['RESET ALL', 'set'],
    ['DISCARD ALL', 'set'],
    ['SHOW server_version', 'show'],
  ])('%s runs on any shard as kind %s', (sql, kind) => {
    expect(plan(sql)).toMatchObject({ kind, route: { type: 'any' }, writes: false });
  });

  it('lets the session free its own statements on DEALLOCATE', () => {
    expect(plan('DEALLOCATE ALL')).toMatchObject({ kind: 'deallocate', deallocate: { name: null } });
    expect(plan('DEALLOCATE PREPARE _pg3_0')).toMatchObject({
      kind: 'deallocate',
      deallocate: { name: '_pg3_0' },
    });
  });

  it.each<[string, RegExp]>([
    ["PREPARE TRANSACTION 'x'", /Switchyard runs two-phase commit itself/],
    ["COMMIT PREPARED 'x'", /Switchyard runs two-phase commit itself/],
    ["ROLLBACK PREPARED 'x'", /Switchyard runs two-phase commit itself/],
    ['PREPARE q AS SELECT 1', /SQL-level prepared statements/],
    ['EXECUTE q', /SQL-level prepared statements/],
    ['DO $$ BEGIN END $$', /DO blocks are not supported/],
    ['CALL f((SELECT max(id) FROM users))', /CALL with an argument that reads "users"/],
    ['DECLARE c CURSOR FOR SELECT * FROM notes', /cursors/],
    ['FETCH 10 FROM c', /cursors/],
    ["LOAD 'auto_explain'", /LOAD is not supported by Switchyard/],
    ['ALTER SYSTEM SET work_mem = 1', /ALTER SYSTEM acts on a whole server/],
  ])('refuses %s', (sql, message) => {
    const route = refusal(sql);
    expect(route.code).toBe('0A000');
    expect(route.message).toMatch(message);
  });
});

describe('EXPLAIN', () => {
  it('runs where its statement runs', () => {
    expect(plan('EXPLAIN SELECT * FROM users WHERE id = $1')).toMatchObject({
      kind: 'select',
      writes: false,
      paramCount: 1,
      route: { type: 'shard-key', table: 'users' },
    });
    expect(plan('EXPLAIN SELECT * FROM notes').route).toEqual(HOME);
  });

  it('is a write when it analyzes a write', () => {
    expect(plan('EXPLAIN ANALYZE DELETE FROM users WHERE id = 1').writes).toBe(true);
    expect(plan('EXPLAIN (ANALYZE, VERBOSE) UPDATE users SET name = $1 WHERE id = 1').writes).toBe(true);
    expect(plan('EXPLAIN (ANALYZE false) DELETE FROM users WHERE id = 1').writes).toBe(false);
    expect(plan('EXPLAIN DELETE FROM users WHERE id = 1').writes).toBe(false);
  });

  it('refuses what its statement refuses', () => {
    expect(refusal('EXPLAIN SELECT * FROM users').message).toMatch(/reads every shard/);
  });
});

describe("psql's backslash commands", () => {
  // The queries psql 17 sends for \dt, \d users (three of them), \l and \dn (describe.c).
  const queries = [
    `SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
WHERE c.relkind IN ('r','p','')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;`,
    `SELECT c.oid,
  n.nspname,
  c.relname
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(users)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;`,
    `SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, c.relrowsecurity, c.relforcerowsecurity, false AS relhasoids, c.relispartition, '', c.reltablespace, CASE WHEN c.reloftype = 0 THEN '' ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, am.amname
FROM pg_catalog.pg_class c
 LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = tc.oid)
LEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)
WHERE c.oid = '16384';`,
    `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull,
  (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
   WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
  a.attidentity,
  a.attgenerated
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = '16384' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;`,
    `SELECT
  d.datname as "Name",
  pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
  pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
  CASE d.datlocprovider WHEN 'b' THEN 'builtin' WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' END AS "Locale Provider",
  d.datcollate as "Collate",
  d.datctype as "Ctype",
  d.datlocale as "Locale",
  d.daticurules as "ICU Rules",
  CASE WHEN pg_catalog.array_length(d.datacl, 1) = 0 THEN '(none)' ELSE pg_catalog.array_to_string(d.datacl, E'\\n') END AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;`,
    `SELECT n.nspname AS "Name",
  pg_catalog.pg_get_userbyid(n.nspowner) AS "Owner"
FROM pg_catalog.pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
ORDER BY 1;`,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
  ];

  it.each(queries)('reads the catalog of the home shard, which has every table: %s', (sql) => {
    expect(plan(sql)).toMatchObject({ kind: 'select', writes: false, route: HOME });
  });
});

describe('pgbench', () => {
  it.each<[string, Route]>([
    [
      'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
      { type: 'shard-key', table: 'pgbench_accounts', keys: [[{ kind: 'param', index: 1 }]] },
    ],
    [
      'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
      { type: 'shard-key', table: 'pgbench_accounts', keys: [[{ kind: 'param', index: 2 }]] },
    ],
    [
      'UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2',
      { type: 'shard-key', table: 'pgbench_tellers', keys: [[{ kind: 'param', index: 2 }]] },
    ],
    [
      'UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2',
      { type: 'shard-key', table: 'pgbench_branches', keys: [[{ kind: 'param', index: 2 }]] },
    ],
    [
      'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
      { type: 'shard-key', table: 'pgbench_history', keys: [[{ kind: 'param', index: 3 }]] },
    ],
    [
      'create table pgbench_history(tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22))',
      ALL,
    ],
    [
      'create table pgbench_accounts(aid    int not null,bid int,abalance int,filler char(84)) with (fillfactor=100)',
      ALL,
    ],
    ['alter table pgbench_accounts add primary key (aid)', ALL],
    ['truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers', ALL],
    ['drop table if exists pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers', ALL],
    ['vacuum analyze pgbench_branches', ALL],
    [
      'copy pgbench_accounts from stdin with (freeze on)',
      { type: 'shard-key', table: 'pgbench_accounts', keys: [] },
    ],
  ])('%s', (sql, route) => {
    expect(plan(sql).route).toEqual(route);
  });

  it('refuses a primary key of pgbench -i that does not contain the shard key', () => {
    expect(refusal('alter table pgbench_tellers add primary key (bid)').message).toMatch(
      /must include the shard key \(tid\)/,
    );
  });
});

describe('Planner', () => {
  it('plans each statement of a multi-statement string, and an empty string as one empty plan', () => {
    expect(planner.plan('BEGIN; SELECT * FROM users WHERE id = 1; COMMIT').map((p) => p.kind)).toEqual([
      'transaction',
      'select',
      'transaction',
    ]);
    expect(planner.plan('')).toEqual([
      { sql: '', kind: 'empty', route: { type: 'any' }, writes: false, paramCount: 0, tables: [] },
    ]);
    expect(planner.plan(' ; -- nothing').map((p) => p.kind)).toEqual(['empty']);
  });

  it('returns frozen plans', () => {
    const plans = planner.plan('SELECT * FROM users WHERE id IN (1, 2)');
    expect(Object.isFrozen(plans)).toBe(true);
    const route = plans[0]?.route;
    expect(Object.isFrozen(route)).toBe(true);
    expect(route?.type === 'shard-key' && Object.isFrozen(route.keys[0]?.[0])).toBe(true);
  });

  it('parses a query string once, and again only after the catalog changes', () => {
    let parses = 0;
    let current = testCatalog(2, tables);
    const counting = new Planner(() => current, {
      parse: (sql) => {
        parses++;
        return parseSql(sql);
      },
    });
    const sql = 'SELECT * FROM users WHERE id = $1';
    const first = counting.plan(sql);
    expect(counting.plan(sql)).toBe(first);
    expect(counting.plan(sql)).toBe(first);
    expect(parses).toBe(1);
    counting.plan('SELECT 1');
    expect(parses).toBe(2);
    current = {
      ...current,
      version: current.version + 1,
      tables: { ...current.tables, users: referenceTable() },
    };
    expect(counting.plan(sql)[0]?.route).toEqual({ type: 'any' });
    expect(parses).toBe(3);
    expect(counting.cachedCount).toBe(1);
  });

  it('keeps at most cacheSize query strings', () => {
    let parses = 0;
    const small = new Planner(() => catalog, {
      cacheSize: 2,
      parse: (sql) => {
        parses++;
        return parseSql(sql);
      },
    });
    small.plan('SELECT 1');
    small.plan('SELECT 2');
    small.plan('SELECT 3');
    expect(small.cachedCount).toBe(2);
    small.plan('SELECT 3');
    small.plan('SELECT 1');
    expect(parses).toBe(4);
  });

  it('throws syntax errors and does not cache them', () => {
    expect(() => planner.plan('SELEC 1')).toThrow(/syntax error at or near "SELEC"/);
    expect(() => planner.plan('SELEC 1')).toThrow(/syntax error/);
  });

  it('sees a new catalog: a table that becomes sharded is routed by its key', () => {
    expect(plan('SELECT * FROM notes WHERE id = 1').route).toEqual(HOME);
    catalog = testCatalog(2, { ...tables, notes: shardedTable('id', { keyTypes: ['int8'] }) });
    catalog = { ...catalog, version: catalog.version + 1 };
    expect(plan('SELECT * FROM notes WHERE id = 1').route).toMatchObject({
      type: 'shard-key',
      table: 'notes',
    });
  });
});
