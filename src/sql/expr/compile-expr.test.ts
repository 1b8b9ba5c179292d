// compileExpr against PostgreSQL: random expressions over random rows, each evaluated here and by
// the server's `SELECT <expr> FROM (VALUES <row>) t(…)`. The result type, the printed value (NULL
// included) and the SQLSTATE of an error must all match. Expressions compileExpr refuses (0A000 at
// compile time) are skipped, but the suite fails if that happens to most of them.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import type { Node } from 'libpg-query';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test/harness/describe-postgres.js';
import { startPostgres } from '../../../test/harness/postgres-server.js';
import { loadSqlParser, parseSql } from '../parse-sql.js';
import { pgType } from '../values/pg-type.js';
import type { PgValue } from '../values/pg-value.js';
import { pgClientOracle, pgliteOracle, type SqlOracle, sqlState } from '../values/sql-oracle.js';
import { compileExpr } from './compile-expr.js';
import { columnScope } from './compiled-expr.js';

const COLUMNS = [
  { name: 'a', type: 'int4', typeOid: 23 },
  { name: 'b', type: 'int8', typeOid: 20 },
  { name: 'c', type: 'numeric', typeOid: 1700 },
  { name: 'd', type: 'float8', typeOid: 701 },
  { name: 'e', type: 'text', typeOid: 25 },
  { name: 'f', type: 'bool', typeOid: 16 },
  { name: 'g', type: 'int2', typeOid: 21 },
];
const scope = columnScope(COLUMNS);

const rowArb = fc.tuple(
  fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(2147483647, -2147483648)), { freq: 5 }),
  fc.option(fc.oneof(fc.bigInt({ min: -9n, max: 9n }), fc.constantFrom(2n ** 63n - 1n)), { freq: 5 }),
  fc.option(fc.constantFrom('0', '1.50', '-2.125', '3', '0.001', '1e20', '-7.0', 'NaN'), { freq: 5 }),
  fc.option(fc.constantFrom('0', '-0', '1.5', '-2.5', '0.1', '1e300', '3', 'NaN', '-Infinity'), { freq: 5 }),
  fc.option(fc.constantFrom('', 'abc', 'B', 'x y', 'é'), { freq: 5 }),
  fc.option(fc.boolean(), { freq: 5 }),
  fc.option(fc.integer({ min: -32768, max: 32767 }), { freq: 5 }),
);
type Row = typeof rowArb extends fc.Arbitrary<infer R> ? R : never;

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

function rowSql(row: Row): string {
  return row
    .map(
      (v, i) => `(${v === null ? 'NULL' : typeof v === 'string' ? lit(v) : String(v)})::${COLUMNS[i]?.type}`,
    )
    .join(', ');
}

function rowValues(row: Row): PgValue[] {
  return row.map((v, i) => (v === null ? null : pgType(COLUMNS[i]?.typeOid ?? 25).parse(String(v))));
}

const exprArb = fc.letrec<{ num: string; bool: string; text: string }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      'a',
      'b',
      'c',
      'd',
      'g',
      '1',
      '0',
      '-3',
      '7',
      '3000000000',
      '1.50',
      '0.5',
      '2147483647',
      'NULL::int4',
    ),
    fc
      .tuple(tie('num'), fc.constantFrom('+', '-', '*', '/', '%'), tie('num'))
      .map(([x, op, y]) => `(${x} ${op} ${y})`),
    tie('num').map((x) => `(- ${x})`),
    fc
      .tuple(fc.constantFrom('round', 'abs', 'floor', 'ceil', 'trunc'), tie('num'))
      .map(([f, x]) => `${f}(${x})`),
    fc.tuple(tie('num'), fc.integer({ min: -2, max: 3 })).map(([x, k]) => `round(${x}::numeric, ${k})`),
    fc
      .tuple(
        tie('num'),
        fc.constantFrom('int2', 'int4', 'int8', 'numeric', 'numeric(8,2)', 'float4', 'float8'),
      )
      .map(([x, t]) => `(${x})::${t}`),
    fc
      .tuple(tie('bool'), tie('num'), tie('num'))
      .map(([b, x, y]) => `CASE WHEN ${b} THEN ${x} ELSE ${y} END`),
    fc.tuple(tie('num'), tie('num')).map(([x, y]) => `COALESCE(${x}, ${y})`),
    fc.tuple(tie('num'), tie('num')).map(([x, y]) => `NULLIF(${x}, ${y})`),
    fc
      .tuple(fc.constantFrom('GREATEST', 'LEAST'), tie('num'), tie('num'))
      .map(([f, x, y]) => `${f}(${x}, ${y})`),
    tie('text').map((t) => `length(${t})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('f', 'true', 'false', 'NULL::bool'),
    fc
      .tuple(tie('num'), fc.constantFrom('=', '<>', '<', '<=', '>', '>='), tie('num'))
      .map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc
      .tuple(tie('text'), fc.constantFrom('=', '<', '>='), tie('text'))
      .map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(tie('bool'), fc.constantFrom('AND', 'OR'), tie('bool')).map(([x, op, y]) => `(${x} ${op} ${y})`),
    tie('bool').map((x) => `(NOT ${x})`),
    tie('num').map((x) => `(${x} IS NULL)`),
    fc.tuple(tie('num'), tie('num')).map(([x, y]) => `(${x} IS DISTINCT FROM ${y})`),
    fc.tuple(tie('num'), tie('num'), tie('num')).map(([x, y, z]) => `(${x} IN (${y}, ${z}, NULL))`),
    fc.tuple(tie('num'), tie('num'), tie('num')).map(([x, y, z]) => `(${x} NOT BETWEEN ${y} AND ${z})`),
  ),
  text: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('e', "'abc'", "'B'", "''"),
    fc.tuple(tie('text'), tie('text')).map(([x, y]) => `(${x} || ${y})`),
    fc.tuple(tie('text'), tie('num')).map(([x, y]) => `(${x} || ${y})`),
    fc.tuple(fc.constantFrom('lower', 'upper'), tie('text')).map(([f, x]) => `${f}(${x})`),
  ),
}));

/** The first target expression of `SELECT <sql>`, as the parser gives it. */
function targetOf(sql: string): Node {
  const ast = parseSql(`SELECT ${sql}`)[0]?.ast;
  const target = ast && 'SelectStmt' in ast ? ast.SelectStmt.targetList?.[0] : undefined;
  const val = target && 'ResTarget' in target ? target.ResTarget.val : undefined;
  if (!val) throw new Error(`no target in ${sql}`);
  return val;
}

type Outcome = { type: number; text: string | null } | { error: string | undefined };

async function serverOutcome(db: SqlOracle, expr: string, row: Row): Promise<Outcome> {
  const names = COLUMNS.map((c) => c.name).join(', ');
  try {
    const result = await db.query(`SELECT ${expr} FROM (VALUES (${rowSql(row)})) t(${names})`);
    return { type: result.types[0] ?? 0, text: result.rows[0]?.[0] ?? null };
  } catch (error) {
    return { error: sqlState(error) };
  }
}

function runExprSuite(open: () => Promise<SqlOracle>): void {
  let db: SqlOracle;
  beforeAll(async () => {
    await loadSqlParser();
    db = await open();
  });
  afterAll(() => db?.close());

  it('random expressions over random rows equal the server (type, value, SQLSTATE)', async () => {
    const cases = fc.sample(
      fc.tuple(
        fc.oneof(exprArb.num, exprArb.bool, exprArb.text),
        fc.array(rowArb, { minLength: 3, maxLength: 3 }),
      ),
      {
        numRuns: 250,
        seed: 20240,
      },
    );
    let compared = 0;
    let refused = 0;
    for (const [expr, rows] of cases) {
      let compiled: ReturnType<typeof compileExpr>;
      try {
        compiled = compileExpr(targetOf(expr), scope);
      } catch (error) {
        expect(sqlState(error), `${expr}: ${String(error)}`).toBe('0A000');
        refused++;
        continue;
      }
      for (const row of rows) {
        const server = await serverOutcome(db, expr, row);
        let ours: Outcome;
        try {
          const value = compiled.evaluate(rowValues(row), []);
          const type = compiled.typeOid === 705 ? 25 : compiled.typeOid;
          ours = { type, text: value === null ? null : pgType(type).format(value) };
        } catch (error) {
          ours = { error: sqlState(error) };
        }
        expect(ours, `${expr} over (${rowSql(row)})`).toEqual(server);
        compared++;
      }
    }
    // The generator must exercise the compiler, not only its refusals.
    expect(refused).toBeLessThan(cases.length / 2);
    expect(compared).toBeGreaterThan(300);
  });

  it('refuses what it does not evaluate with 0A000 naming the construct', () => {
    const compile = (sql: string) => compileExpr(targetOf(sql), scope);
    expect(() => compile('now()')).toThrow(
      expect.objectContaining({ code: '0A000', message: expect.stringContaining('now') }),
    );
    expect(() => compile('sum(a)')).toThrow(
      expect.objectContaining({ code: '0A000', message: expect.stringContaining('aggregate') }),
    );
    expect(() => compile('a::point')).toThrow(
      expect.objectContaining({ code: '0A000', message: expect.stringContaining('point') }),
    );
  });
}

describe('compileExpr [PGlite]', () => {
  runExprSuite(async () => pgliteOracle(await PGlite.create()));
});

describeWithPostgres('compileExpr', () => {
  let stop = () => {};
  afterAll(() => stop());
  runExprSuite(async () => {
    const server = await startPostgres();
    stop = () => server.stop();
    const client = new pg.Client(server.url());
    await client.connect();
    return pgClientOracle(client);
  });
});
