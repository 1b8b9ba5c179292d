import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeQuery } from './analyze-query.js';
import { collectTables, writtenName } from './collect-tables.js';
import { loadSqlParser, parseSql } from './parse-sql.js';
import type { QueryAnalysis, ScopeCondition } from './query-scope.js';

beforeAll(async () => {
  await loadSqlParser();
});

function analyze(sql: string): QueryAnalysis {
  const [statement] = parseSql(sql);
  if (!statement) throw new Error('no statement');
  return analyzeQuery(statement.ast);
}

function names(filtered: ScopeCondition['filtered'] | undefined): string | string[] {
  if (filtered === undefined) return 'none';
  return filtered === 'scope' ? 'scope' : filtered.map((e) => e.name);
}

function tableNames(sql: string): string[] {
  return analyze(sql).tables.map((t) => (t.alias ? `${writtenName(t)} ${t.alias}` : writtenName(t)));
}

describe('analyzeQuery: tables', () => {
  it.each([
    ['SELECT * FROM users', ['users']],
    ['SELECT * FROM app.users u', ['app.users u']],
    ['SELECT * FROM "Users" AS "U"', ['Users U']],
    ['SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN c USING (k), d', ['a', 'b', 'c', 'd']],
    ['SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k)', ['a', 'b']],
    ['SELECT (SELECT max(x) FROM b), * FROM (SELECT * FROM c) s', ['b', 'c']],
    ['SELECT 1 UNION SELECT k FROM a INTERSECT SELECT k FROM b', ['a', 'b']],
    ['SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.k = a.k) l', ['a', 'b']],
    ['SELECT * FROM generate_series(1, 3) g', []],
    ['SELECT * FROM a TABLESAMPLE SYSTEM (10)', ['a']],
    ['INSERT INTO a (k) SELECT k FROM b', ['a', 'b']],
    ['UPDATE a SET x = b.x FROM b WHERE a.k = b.k', ['a', 'b']],
    ['DELETE FROM a USING b WHERE a.k = b.k RETURNING (SELECT 1 FROM c)', ['a', 'b', 'c']],
  ])('%s', (sql, expected) => {
    // FROM lists are read before target lists, so compare as sets.
    expect(tableNames(sql).sort()).toEqual([...expected].sort());
  });

  it('leaves out CTE references but keeps the tables inside CTEs', () => {
    expect(tableNames('WITH x AS (SELECT * FROM a) SELECT * FROM x JOIN b ON true')).toEqual(['a', 'b']);
  });

  it('a plain CTE does not see itself: the name inside its body is the real table', () => {
    expect(tableNames('WITH users AS (SELECT * FROM users WHERE id = 1) SELECT * FROM users')).toEqual([
      'users',
    ]);
  });

  it('a recursive CTE sees itself', () => {
    const sql = 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) SELECT * FROM t';
    expect(tableNames(sql)).toEqual([]);
  });

  it('a CTE hides a table only within the statement that defines it', () => {
    const sql = 'SELECT * FROM users, (WITH users AS (SELECT 1) SELECT * FROM users) s';
    expect(tableNames(sql)).toEqual(['users']);
  });

  it('a schema-qualified name is never a CTE', () => {
    expect(tableNames('WITH users AS (SELECT 1) SELECT * FROM public.users')).toEqual(['public.users']);
  });

  it('collectTables gives names, aliases and locations', () => {
    const [statement] = parseSql('SELECT * FROM users u JOIN app.orders ON true');
    expect(collectTables(statement?.ast ?? { SelectStmt: {} })).toEqual([
      { schema: undefined, name: 'users', alias: 'u', location: 14 },
      { schema: 'app', name: 'orders', alias: undefined, location: 27 },
    ]);
  });
});

describe('analyzeQuery: scopes and conditions', () => {
  it('records who each condition filters: WHERE the scope, an outer join only its nullable side', () => {
    const a = analyze(
      'SELECT * FROM a LEFT JOIN b ON a.k = b.k JOIN c ON c.k = a.k FULL JOIN d ON true WHERE a.k = 1',
    );
    const [left, inner, full, where] = a.root.conditions;
    const names = (f: unknown) => (f === 'scope' ? 'scope' : (f as { name: string }[]).map((e) => e.name));
    expect(names(left?.filtered)).toEqual(['b']);
    expect(names(inner?.filtered)).toEqual(['a', 'b', 'c']);
    expect(names(full?.filtered)).toEqual([]);
    expect(names(where?.filtered)).toBe('scope');
  });

  it('a RIGHT join filters its left side', () => {
    const a = analyze('SELECT * FROM a RIGHT JOIN b ON a.k = b.k');
    expect(names(a.root.conditions[0]?.filtered)).toEqual(['a']);
  });

  it('gives subqueries their own scope whose parent is the outer query', () => {
    const a = analyze('SELECT * FROM a WHERE a.k IN (SELECT k FROM b)');
    const inner = a.scopes.find((s) => s.entries.some((e) => e.name === 'b'));
    expect(inner?.parent).toBe(a.root);
  });

  it('names subquery and function aliases as `other`, hiding outer tables', () => {
    const a = analyze('SELECT * FROM (SELECT 1) users, unnest(ARRAY[1]) f');
    expect(a.root.names.get('users')).toBe('other');
    expect(a.root.names.get('f')).toBe('other');
  });

  it('records the rows and columns of INSERT … VALUES and the sets of UPDATE and ON CONFLICT', () => {
    const insert = analyze(
      'INSERT INTO t (id, name) VALUES (1, $1), ($2, DEFAULT) ON CONFLICT (id) DO UPDATE SET name = excluded.name',
    );
    expect(insert.root.target?.name).toBe('t');
    expect(insert.root.insert?.columns).toEqual(['id', 'name']);
    expect(insert.root.insert?.rows).toHaveLength(2);
    expect(insert.root.insert?.conflictSets).toEqual(['name']);
    expect(insert.writes).toBe(true);
    expect(analyze('INSERT INTO t SELECT * FROM u').root.insert?.fromQuery).toBe(true);
    expect(analyze('INSERT INTO t DEFAULT VALUES').root.insert).toMatchObject({
      columns: undefined,
      rows: undefined,
    });
    expect(analyze('UPDATE t SET (a, b) = (1, 2), c = 3').root.setColumns).toEqual(['a', 'b', 'c']);
  });

  it('marks writes in data-modifying CTEs and refuses constructs it cannot route', () => {
    expect(analyze('WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d').writes).toBe(true);
    expect(analyze('SELECT * FROM t').writes).toBe(false);
    expect(analyze('MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE').unsupported).toEqual([
      'MERGE',
    ]);
    expect(analyze('DELETE FROM t WHERE CURRENT OF c').unsupported).toEqual(['WHERE CURRENT OF']);
  });

  it('refuses a table reference it did not place, wherever it hides', () => {
    // A node type the walk does not know, holding a relation: it must not go unnoticed.
    const ast = {
      SelectStmt: {
        targetList: [
          { ResTarget: { val: { FutureExpr: { relation: { relname: 'users', relpersistence: 'p' } } } } },
        ],
      },
    } as unknown as Parameters<typeof analyzeQuery>[0];
    expect(analyzeQuery(ast).unsupported).toEqual(['a table reference in this position']);
    expect(analyze('SELECT * FROM users u WHERE u.id = 1 FOR UPDATE OF u').unsupported).toEqual([]);
    expect(analyze('SELECT * INTO t2 FROM t').unsupported).toEqual([]);
  });

  it('collects function names, qualified or not', () => {
    expect(analyze("SELECT pg_catalog.version(), nextval('s'), count(*) FROM t").functions).toEqual([
      ['pg_catalog', 'version'],
      ['nextval'],
      ['count'],
    ]);
  });

  it('records the table SELECT INTO creates', () => {
    expect(analyze('SELECT * INTO new_t FROM t').into).toEqual({ schema: undefined, name: 'new_t' });
  });
});
