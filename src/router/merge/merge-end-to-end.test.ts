// planScatter and createMerge together with the real value library and expression compiler:
// expressions over aggregates, HAVING and ORDER BY evaluated after re-aggregation.
import { beforeAll, describe, expect, it } from 'vitest';
import { colocatedTable, shardedTable } from '../../catalog/table-rules.js';
import { testCatalog } from '../../catalog/test-catalogs.js';
import { loadSqlParser, parseSql } from '../../sql/parse-sql.js';
import { createMerge } from './execute-merge.js';
import type { ScatterPlan, TextRow } from './merge-plan.js';
import { collect, INT4, INT8, NUMERIC, TEXT, trackedStream } from './merge-test-doubles.js';
import { pgMergeRuntime } from './pg-merge-expressions.js';
import { planScatter } from './plan-scatter.js';

const users = shardedTable('id', { keyTypes: ['int8'] });
const catalog = testCatalog(3, { users, orders: colocatedTable('user_id', 'users', users) });

beforeAll(loadSqlParser);

function scatter(sql: string): ScatterPlan {
  const result = planScatter(parseSql(sql)[0] as never, catalog);
  if ('type' in result) throw new Error(result.message);
  return result;
}

describe('merge of aggregate expressions', () => {
  it('computes sum/count, round(avg, 2) and count + 1 over all shards', async () => {
    const plan = scatter('SELECT sum(total) / count(*), round(avg(total), 2), count(*) + 1 FROM orders');
    // Shard SQL: SELECT sum(total), count(*), count(total) FROM orders (total is int4).
    const fields = [INT8, INT8, INT8].map((typeOid, i) => ({ name: `c${i}`, typeOid }));
    const read = createMerge(plan.merge, { fields }, pgMergeRuntime);
    expect(read.columns).toEqual([
      { name: '?column?', typeOid: INT8 },
      { name: 'round', typeOid: NUMERIC },
      { name: '?column?', typeOid: INT8 },
    ]);
    const shards: TextRow[][] = [[['10', '3', '3']], [['7', '2', '2']], [[null, '0', '0']]];
    expect(await collect(read.rows(shards.map((s) => trackedStream(s))))).toEqual([['3', '3.40', '6']]);
  });

  it('filters groups by HAVING over merged counts and sorts by an aggregate with LIMIT $1', async () => {
    const plan = scatter(
      'SELECT region, count(*) AS n FROM orders GROUP BY region HAVING count(*) > 2 ORDER BY n DESC, region LIMIT $1',
    );
    const fields = [
      { name: 'region', typeOid: TEXT },
      { name: 'n', typeOid: INT8 },
    ];
    const read = createMerge(plan.merge, { fields, params: ['2'], paramTypes: [INT8] }, pgMergeRuntime);
    const shards: TextRow[][] = [
      [
        ['eu', '2'],
        ['us', '1'],
        ['ap', '3'],
      ],
      [
        ['eu', '2'],
        ['us', '1'],
        ['sa', '4'],
      ],
    ];
    expect(await collect(read.rows(shards.map((s) => trackedStream(s))))).toEqual([
      ['eu', '4'],
      ['sa', '4'],
    ]);
  });

  it('HAVING with a parameter', async () => {
    const plan = scatter('SELECT region FROM orders GROUP BY region HAVING sum(total) >= $1 ORDER BY region');
    const fields = [
      { name: 'region', typeOid: TEXT },
      { name: 'sum', typeOid: INT8 },
    ];
    const read = createMerge(plan.merge, { fields, params: ['5'], paramTypes: [INT4] }, pgMergeRuntime);
    const shards: TextRow[][] = [
      [
        ['a', '3'],
        ['b', '9'],
      ],
      [
        ['a', '2'],
        ['c', '1'],
      ],
    ];
    expect(await collect(read.rows(shards.map((s) => trackedStream(s))))).toEqual([['a'], ['b']]);
  });
});
