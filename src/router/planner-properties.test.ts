// Properties of shard key detection over generated WHERE clauses: whatever the clause, a single-shard
// route must be sound (every row the clause can match has one of the route's keys), and a clause
// that pins the key by a conjunct is always routed by exactly that key.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { referenceTable, shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import { Planner } from './planner.js';
import type { Route } from './route-plan.js';

const catalog = testCatalog(3, {
  users: shardedTable('id', { keyTypes: ['int8'] }),
  countries: referenceTable(),
});
// The single-shard planner alone: what it refuses is what scatter-gather then considers.
const planner = new Planner(() => catalog, { cacheSize: 100, scatter: false });

beforeAll(async () => {
  await loadSqlParser();
});

function route(where: string): Route {
  return planner.plan(`SELECT * FROM users WHERE ${where}`)[0]?.route as Route;
}

// Predicates that never pin the key, whatever else the clause says.
const NOT_PINNING = [
  "name = 'x'",
  'age > 3',
  'id > 5',
  'id <> 7',
  'name IS NULL',
  "(age = 1 OR name = 'y')",
  'NOT (id = 9)',
  'id = id',
  'EXISTS (SELECT 1 FROM countries)',
  'age IN (1, 2)',
  "id::text LIKE '1%'",
  "(id = 3 OR name = 'z')",
  'id = $1 + 1',
  'id IN (SELECT 1)',
];

const conjunction = (parts: readonly string[], nest: boolean): string =>
  parts.reduce((sql, part, i) => (i === 0 ? part : nest ? `(${sql}) AND ${part}` : `${sql} AND ${part}`), '');

describe('shard key detection', () => {
  it('property: a conjunction with `id = N` among any other predicates is routed by N alone', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.shuffledSubarray(NOT_PINNING),
        fc.nat(),
        fc.boolean(),
        (n, others, at, nest) => {
          const parts = [...others];
          parts.splice(at % (parts.length + 1), 0, `id = ${n}`);
          expect(route(conjunction(parts, nest))).toEqual({
            type: 'shard-key',
            table: 'users',
            keys: [[{ kind: 'const', value: n.toString() }]],
          });
        },
      ),
    );
  });

  it('property: a conjunction of predicates that do not pin the key is refused', () => {
    fc.assert(
      fc.property(fc.subarray(NOT_PINNING, { minLength: 1 }), fc.boolean(), (parts, nest) => {
        expect(route(conjunction(parts, nest))).toMatchObject({ type: 'refused', code: '0A000' });
      }),
    );
  });

  // Boolean formulas over `id = c`, `id IN (c, d)` and free boolean columns; evaluated by brute force
  // against every key value that matters and every value of the free columns.
  type Formula =
    | { kind: 'eq'; value: number }
    | { kind: 'in'; values: number[] }
    | { kind: 'flag'; index: number }
    | { kind: 'not'; arg: Formula }
    | { kind: 'and' | 'or'; args: Formula[] };

  const formula = fc.letrec<{ formula: Formula }>((tie) => ({
    formula: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ kind: fc.constant('eq' as const), value: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        kind: fc.constant('in' as const),
        values: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      }),
      fc.record({ kind: fc.constant('flag' as const), index: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('not' as const), arg: tie('formula') }),
      fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        args: fc.array(tie('formula'), { minLength: 2, maxLength: 3 }),
      }),
    ),
  })).formula;

  const sql = (f: Formula): string => {
    switch (f.kind) {
      case 'eq':
        return `id = ${f.value}`;
      case 'in':
        return `id IN (${f.values.join(', ')})`;
      case 'flag':
        return `flag${f.index}`;
      case 'not':
        return `NOT (${sql(f.arg)})`;
      default:
        return f.args.map((a) => `(${sql(a)})`).join(f.kind === 'and' ? ' AND ' : ' OR ');
    }
  };

  const holds = (f: Formula, id: number, flags: readonly boolean[]): boolean => {
    switch (f.kind) {
      case 'eq':
        return id === f.value;
      case 'in':
        return f.values.includes(id);
      case 'flag':
        return flags[f.index] === true;
      case 'not':
        return !holds(f.arg, id, flags);
      case 'and':
        return f.args.every((a) => holds(a, id, flags));
      case 'or':
        return f.args.some((a) => holds(a, id, flags));
    }
  };

  it('property: a single-shard route is sound: every row the clause can match has one of its keys', () => {
    const flagValues = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => [0, 1, 2].map((i) => ((bits >> i) & 1) === 1));
    let routed = 0;
    fc.assert(
      fc.property(formula, (f) => {
        const r = route(sql(f));
        if (r.type === 'refused') return;
        expect(r.type).toBe('shard-key');
        if (r.type !== 'shard-key') return;
        routed++;
        const keys = new Set(r.keys.map((k) => (k[0]?.kind === 'const' ? Number(k[0].value) : Number.NaN)));
        // 99 stands for every key the clause does not mention.
        for (const id of [1, 2, 3, 4, 99]) {
          for (const flags of flagValues) {
            if (holds(f, id, flags)) expect(keys.has(id)).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
    // The property says nothing if nothing was routed: make sure the generator reaches routed cases.
    expect(routed).toBeGreaterThan(20);
  });
});
