// Date/time + and - against PostgreSQL (PGlite): every operator over a grid of dates, timestamps,
// timestamptz values, intervals and integers is evaluated here and by the server. Result type and
// printed value (or the error's SQLSTATE) must match; what compileExpr refuses (0A000: timestamptz ±
// days or months, infinite operands) is skipped, and the suite checks that this stays a minority.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from '../parse-sql.js';
import { pgType } from '../values/pg-type.js';
import { pgliteOracle, type SqlOracle, sqlState } from '../values/sql-oracle.js';
import { compileExpr } from './compile-expr.js';
import { columnScope } from './compiled-expr.js';

const COLUMNS = [
  { name: 'd', type: 'date', typeOid: 1082 },
  { name: 'e', type: 'date', typeOid: 1082 },
  { name: 't', type: 'timestamp', typeOid: 1114 },
  { name: 'u', type: 'timestamp', typeOid: 1114 },
  { name: 'z', type: 'timestamptz', typeOid: 1184 },
  { name: 'y', type: 'timestamptz', typeOid: 1184 },
  { name: 'i', type: 'interval', typeOid: 1186 },
  { name: 'j', type: 'interval', typeOid: 1186 },
  { name: 'n', type: 'int4', typeOid: 23 },
];

const DATES = [
  '2000-01-01',
  '1999-12-31',
  '2024-02-29',
  '2023-01-31',
  '0044-03-15 BC',
  '5874897-12-30',
  'infinity',
];
const TIMESTAMPS = [
  '2024-01-31 10:00:00',
  '2023-03-26 01:30:00.5',
  '1999-12-31 23:59:59.999999',
  '0001-01-01 00:00:00',
  '2000-02-29 12:00:00',
];
const TIMESTAMPTZ = ['2024-01-31 10:00:00+00', '2024-03-31 01:30:00+02', '1970-01-01 00:00:00+00'];
const INTERVALS = [
  '1 mon',
  '-1 mon',
  '1 day',
  '25 hours',
  '1 year 2 mons 3 days 04:05:06.789',
  '-3 days 02:00:00',
  '00:00:00.000001',
  '178000000 years',
];
const INTS = ['0', '1', '-1', '365', '2147483647'];

const EXPRESSIONS = [
  'd - e',
  'd + n',
  'n + d',
  'd - n',
  't - u',
  'z - y',
  'i + j',
  'i - j',
  't + i',
  't - i',
  'i + t',
  'd + i',
  'd - i',
  'i + d',
  'z + i',
  'z - i',
  "d + interval '1 day 2 hours'",
  "t - interval '1 mon'",
  "z + interval '90 minutes'",
  "t + interval '2 weeks 3 hours 15 seconds'",
];

let oracle: SqlOracle;
beforeAll(async () => {
  await loadSqlParser();
  oracle = pgliteOracle(await PGlite.create());
  await oracle.query("SET TimeZone = 'UTC'");
});
afterAll(() => oracle?.close());

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const pick = <T>(items: readonly T[], k: number): T => items[k % items.length] as T;

describe('date/time arithmetic equals PostgreSQL', () => {
  it('over a grid of values', async () => {
    const scope = columnScope(COLUMNS);
    let compared = 0;
    let refused = 0;
    for (let k = 0; k < 60; k++) {
      const text = [
        pick(DATES, k),
        pick(DATES, k * 3 + 1),
        pick(TIMESTAMPS, k),
        pick(TIMESTAMPS, k * 2 + 3),
        pick(TIMESTAMPTZ, k),
        pick(TIMESTAMPTZ, k + 1),
        pick(INTERVALS, k),
        pick(INTERVALS, k * 5 + 2),
        pick(INTS, k),
      ];
      const values = text.map((v, i) => pgType(COLUMNS[i]!.typeOid).parse(v));
      const from = `(VALUES (${text.map((v, i) => `${lit(v)}::${COLUMNS[i]!.type}`).join(', ')})) AS r(${COLUMNS.map((c) => c.name).join(', ')})`;
      for (const sql of EXPRESSIONS) {
        const node = parseSql(`SELECT ${sql}`)[0]!.ast as {
          SelectStmt: { targetList: { ResTarget: { val: never } }[] };
        };
        let compiled: ReturnType<typeof compileExpr>;
        try {
          compiled = compileExpr(node.SelectStmt.targetList[0]!.ResTarget.val, scope);
        } catch {
          // The merge turns a compile-time failure into a 0A000 refusal.
          refused++;
          continue;
        }
        let mine: { type: number; text: string | null } | { code: string };
        try {
          const value = compiled.evaluate(values, []);
          mine = {
            type: compiled.typeOid,
            text: value === null ? null : pgType(compiled.typeOid).format(value),
          };
        } catch (error) {
          mine = { code: sqlState(error) ?? 'none' };
        }
        if ('code' in mine && mine.code === '0A000') {
          refused++;
          continue;
        }
        let theirs: { type: number; text: string | null } | { code: string };
        try {
          const result = await oracle.query(`SELECT ${sql} FROM ${from}`);
          theirs = { type: result.types[0]!, text: result.rows[0]![0] ?? null };
        } catch (error) {
          theirs = { code: sqlState(error) ?? 'none' };
        }
        expect(mine, `${sql} with ${text.join(' | ')}`).toEqual(theirs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(refused * 2);
  }, 60_000);
});
