// The cross-shard read planner: for a SELECT the single-shard planner cannot pin to one shard,
// decides whether running it on every shard (or the shards an IN list reaches) and merging the rows
// answers exactly what one database would, and if so builds the shard statement and the merge plan.
// It is a separate entry point: the session calls it when a SELECT's route is refused as a
// cross-shard read or its keys resolve to several shards.
import type { Node } from 'libpg-query';
import type { Catalog } from '../../catalog/catalog.js';
import { deepFreeze } from '../../catalog/deep-freeze.js';
import { analyzeQuery } from '../../sql/analyze-query.js';
import { nodeBody } from '../../sql/ast-nodes.js';
import type { ParsedStatement } from '../../sql/parse-sql.js';
import type { TableEntry } from '../../sql/query-scope.js';
import { routeQuery } from '../query-route.js';
import { type RefusedRoute, refused } from '../refusals.js';
import { placementOf } from '../table-placement.js';
import { hasAggregate } from './aggregate-calls.js';
import type { ScatterPlan } from './merge-plan.js';
import { planPushdown } from './plan-pushdown.js';
import { planRegroup } from './plan-regroup.js';
import { keyColumnLookup, unjoinedTable, unsupportedConstruct } from './scatter-checks.js';
import { groupedByShardKey } from './shard-key-groups.js';
import { sqlText } from './sql-text.js';

/**
 * The scatter plan of a SELECT under `catalog`, or the refusal (0A000 unless PostgreSQL itself
 * would reject the query) saying why it cannot be answered exactly across shards and what would
 * make it work.
 *
 * @example
 *   planScatter(parseSql('SELECT region, avg(total) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT $1')[0], catalog);
 *   // { sql: 'SELECT region, sum(total), count(total) FROM orders GROUP BY region',
 *   //   route: { type: 'all' }, merge: { aggregate: …, order: [ … ], limit: { kind: 'param', index: 1 } } }
 */
export function planScatter(statement: ParsedStatement | Node, catalog: Catalog): ScatterPlan | RefusedRoute {
  const ast = 'ast' in statement && 'sql' in statement ? statement.ast : (statement as Node);
  const select = nodeBody(ast, 'SelectStmt');
  if (!select) return refused('only SELECT statements can read across shards');
  if (select.intoClause)
    return refused('SELECT INTO across shards is not supported', 'use CREATE TABLE … AS');
  const construct = unsupportedConstruct(select);
  if (construct) return construct;
  const analysis = analyzeQuery(ast);
  if (analysis.writes) {
    return refused('a SELECT that writes (a data-modifying subquery) across shards is not supported');
  }
  const route = routeQuery(analysis, catalog);
  const placements = analysis.tables.map((e) => ({ entry: e, placement: placementOf(catalog, e) }));
  const sharded: TableEntry[] = [];
  const groups = new Set<string>();
  for (const { entry, placement } of placements) {
    if (placement.kind === 'unsharded' || placement.kind === 'system') {
      // The single-shard planner's refusal already says what to do with unsharded tables.
      if (route.type === 'refused') return route;
      return refused('a read across shards cannot include tables that live on the home shard only');
    }
    if (placement.kind === 'sharded') {
      sharded.push(entry);
      groups.add(placement.group);
    }
  }
  if (route.type === 'refused' && (analysis.unsupported.length > 0 || groups.size > 1)) return route;
  if (sharded.length === 0) {
    return refused('this SELECT reads no sharded table: it runs on one shard, as the planner routes it');
  }
  const lookup = keyColumnLookup(catalog);
  const unjoined = unjoinedTable(analysis, sharded, lookup, catalog);
  if (unjoined) return unjoined;
  const aggregated =
    (select.groupClause ?? []).length > 0 ||
    hasAggregate([select.targetList, select.havingClause, select.sortClause]);
  const shardQuery =
    !aggregated || groupedByShardKey(select, analysis, lookup) ? planPushdown(select) : planRegroup(select);
  if ('type' in shardQuery) return shardQuery;
  return deepFreeze({
    sql: sqlText({ SelectStmt: shardQuery.select } as Node),
    route: route.type === 'shard-key' ? route : { type: 'all' },
    merge: shardQuery.merge,
  });
}
