// Generated cross-shard reads against the oracle: fast-check builds SELECTs over the sample schema
// (filters, grouping, aggregates, ORDER BY, LIMIT/OFFSET, DISTINCT) and each must return through
// Switchyard exactly what one unsharded database holding the same rows returns.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSchemaSql } from '../../src/cluster/sample-data.js';
import { type Switchyard, startSwitchyard } from './switchyard-harness.js';

const raw = { getTypeParser: () => (value: string) => value };
const textParsers = Object.fromEntries(
  Array.from({ length: 5000 }, (_, oid) => [oid, (value: string) => value]),
);

// Columns of `tasks` by kind; the grouping keys include NULL-holding and multibyte-free text columns.
const groupColumns = [
  'status',
  'priority',
  'project_id',
  'assignee_id',
  'due',
  'estimate',
  'done_at IS NULL',
];
const aggregates = [
  'count(*)',
  'count(assignee_id)',
  'sum(priority)',
  'sum(estimate)',
  'min(estimate)',
  'max(due)',
  'avg(priority)',
  'avg(estimate)',
  'min(title)',
  'max(status)',
  'bool_and(priority > 2)',
  'count(DISTINCT status)',
  'round(avg(estimate), 3)',
  'sum(priority) * 2 + count(*)',
];
const predicates = [
  "status = 'done'",
  'priority >= 3',
  'estimate IS NULL',
  'estimate > 100',
  'assignee_id IS NOT NULL',
  "due < date '2025-06-01'",
  'tenant_id % 7 = 3',
  "title LIKE 'Task 1%'",
];

interface Generated {
  readonly sql: string;
  /** Every ORDER BY leaves no ties, so the order is the database's exactly. */
  readonly ordered: boolean;
}

const where = fc
  .subarray(predicates, { maxLength: 2 })
  .map((ps) => (ps.length ? ` WHERE ${ps.join(' AND ')}` : ''));
const limit = fc.option(
  fc.record({
    limit: fc.integer({ min: 0, max: 40 }),
    offset: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  }),
  { nil: undefined },
);
const limitSql = (l: { limit: number; offset: number | undefined } | undefined) =>
  l ? ` LIMIT ${l.limit}${l.offset !== undefined ? ` OFFSET ${l.offset}` : ''}` : '';

// Grouped: GROUP BY one or two columns, some aggregates, ordered by every group column (no ties).
const grouped: fc.Arbitrary<Generated> = fc
  .record({
    keys: fc.subarray(groupColumns, { minLength: 1, maxLength: 2 }),
    aggs: fc.subarray(aggregates, { minLength: 1, maxLength: 3 }),
    where,
    desc: fc.boolean(),
    limit,
  })
  .map(({ keys, aggs, where: w, desc, limit: l }) => {
    // Ordered by every group key: groups are unique, so there are no ties.
    const order = keys.map((_, i) => `${i + 1}${desc ? ' DESC' : ''}`).join(', ');
    return {
      sql: `SELECT ${[...keys, ...aggs].join(', ')} FROM tasks${w} GROUP BY ${keys.map((_, i) => i + 1).join(', ')} ORDER BY ${order}${limitSql(l)}`,
      ordered: true,
    };
  });

// Plain rows: a few columns, ordered by a unique key (tenant_id, id) so LIMIT/OFFSET are exact.
const plain: fc.Arbitrary<Generated> = fc
  .record({
    cols: fc.subarray(['title', 'status', 'priority', 'estimate', 'due', 'assignee_id'], {
      minLength: 1,
      maxLength: 3,
    }),
    where,
    sortFirst: fc.constantFrom('estimate', 'priority', 'due', 'status', 'assignee_id'),
    nulls: fc.constantFrom('', ' NULLS FIRST', ' NULLS LAST'),
    desc: fc.boolean(),
    limit,
  })
  .map(({ cols, where: w, sortFirst, nulls, desc, limit: l }) => ({
    sql: `SELECT tenant_id, id, ${cols.join(', ')} FROM tasks${w} ORDER BY ${sortFirst}${desc ? ' DESC' : ''}${nulls}, tenant_id, id${limitSql(l)}`,
    ordered: true,
  }));

// Whole-table aggregates and DISTINCT.
const summary: fc.Arbitrary<Generated> = fc.oneof(
  fc
    .record({ aggs: fc.subarray(aggregates, { minLength: 1, maxLength: 4 }), where })
    .map(({ aggs, where: w }) => ({ sql: `SELECT ${aggs.join(', ')} FROM tasks${w}`, ordered: false })),
  fc
    .record({ col: fc.constantFrom(...groupColumns), where, desc: fc.boolean() })
    .map(({ col, where: w, desc }) => ({
      sql: `SELECT DISTINCT ${col} FROM tasks${w} ORDER BY 1${desc ? ' DESC' : ''}`,
      ordered: true,
    })),
);

describe('generated cross-shard reads equal one unsharded database (embedded shards)', () => {
  let sy: Switchyard;
  let client: pg.Client;
  let oracle: PGlite;
  beforeAll(async () => {
    sy = await startSwitchyard({ kind: 'embedded', shards: 3 }, { sample: true });
    client = await sy.client();
    oracle = await PGlite.create();
    await oracle.exec(sampleSchemaSql(undefined, undefined));
  });
  afterAll(async () => {
    await sy?.stop();
    await oracle?.close();
  });

  it('answers every generated query exactly as the oracle', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(grouped, plain, summary), async ({ sql, ordered }) => {
        const mine = await client.query({ text: sql, rowMode: 'array', types: raw });
        const theirs = await oracle.query<unknown[]>(sql, [], { rowMode: 'array', parsers: textParsers });
        expect(mine.fields.map((f) => [f.name, f.dataTypeID])).toEqual(
          theirs.fields.map((f) => [f.name, f.dataTypeID]),
        );
        const expected = theirs.rows.map((r) => r.map((v) => (v === null ? null : String(v))));
        if (ordered) expect(mine.rows).toEqual(expected);
        else expect([...mine.rows].sort()).toEqual([...expected].sort());
      }),
      { numRuns: 150, seed: Number(process.env.SWITCHYARD_FC_SEED ?? 20261121) },
    );
  });
});
