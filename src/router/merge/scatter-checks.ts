// What makes a SELECT unsafe to answer by running it on every shard and merging: constructs whose
// answer would differ per shard (window functions, volatile functions, TABLESAMPLE), locking, and
// tables whose matching rows may sit on different shards (a join or subquery not equated on the
// shard key). Each refusal says what would make the statement work.
import type { FuncCall, Node, SelectStmt } from 'libpg-query';
import type { Catalog } from '../../catalog/catalog.js';
import { stringsOf } from '../../sql/ast-nodes.js';
import { functionEffect } from '../../sql/catalog-relations.js';
import type { QueryAnalysis, TableEntry } from '../../sql/query-scope.js';
import { walkNodes } from '../../sql/walk-nodes.js';
import { conditionEqualities, type KeyColumnLookup } from '../key-conditions.js';
import { keyLookup } from '../query-route.js';
import { quoted, type RefusedRoute, refused } from '../refusals.js';
import { placementOf, type TablePlacement } from '../table-placement.js';
import { functionName } from './aggregate-calls.js';

type Sharded = Extract<TablePlacement, { kind: 'sharded' }>;

// Functions whose value differs from one shard (or one call) to the next: each shard's transaction
// starts at its own time, and random numbers and sequences are per database.
/** Functions whose value differs from shard to shard (each shard calls them on its own). */
export const VOLATILE = new Set([
  'random',
  'random_normal',
  'setseed',
  'now',
  'clock_timestamp',
  'statement_timestamp',
  'transaction_timestamp',
  'timeofday',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'nextval',
  'currval',
  'lastval',
  'setval',
  'txid_current',
  'pg_current_xact_id',
  'pg_backend_pid',
]);

// CURRENT_DATE, CURRENT_TIME[STAMP], LOCALTIME[STAMP]: the transaction start time of each shard.
/** SQLValueFunction ops reading the clock (each shard's transaction start differs). */
export const TIME_VALUE_PREFIXES = ['SVFOP_CURRENT_DATE', 'SVFOP_CURRENT_TIME', 'SVFOP_LOCALTIME'];

/** The first construct of `select` that a scatter-gather cannot answer exactly, or undefined. */
export function unsupportedConstruct(select: SelectStmt): RefusedRoute | undefined {
  if (select.op !== undefined && select.op !== 'SETOP_NONE') {
    return refused(
      'UNION, INTERSECT and EXCEPT across shards are not supported yet',
      'run each side as its own query and combine the results in the application, or pin each side to one shard key',
    );
  }
  if (select.withClause)
    return refused('WITH across shards is not supported yet', 'inline the CTE as a subquery in FROM');
  if ((select.lockingClause ?? []).length > 0) {
    return refused(
      'SELECT … FOR UPDATE/SHARE across shards is not supported until distributed transactions land',
      'lock rows one shard key at a time (add the shard key to WHERE)',
    );
  }
  if (select.valuesLists) return refused('VALUES across shards is not supported');
  let found: RefusedRoute | undefined;
  walkNodes(select, (tag, body) => {
    if (found) return false;
    if (tag === 'FuncCall') {
      const call = body as FuncCall;
      const name = functionName(call);
      if (call.over) {
        found = refused(
          `window functions across shards are not supported yet (${name}() OVER …)`,
          'compute it in the application, or pin the query to one shard key',
        );
      } else if (VOLATILE.has(name) || functionEffect(stringsOf(call.funcname)) === 'side-effect') {
        found = refused(
          `${name}() would give a different value on each shard, so this read across shards is refused`,
          'pass the value as a parameter instead',
        );
      }
    } else if (tag === 'SQLValueFunction') {
      const op = String(body.op ?? '');
      if (TIME_VALUE_PREFIXES.some((p) => op.startsWith(p))) {
        found = refused(
          'CURRENT_DATE, CURRENT_TIME and CURRENT_TIMESTAMP differ from shard to shard, so this read across shards is refused',
          'pass the time as a parameter instead',
        );
      }
    } else if (tag === 'RangeTableSample') {
      found = refused('TABLESAMPLE across shards is not supported', 'sample in the application');
    } else if (tag === 'GroupingSet') {
      found = refused(
        'GROUPING SETS, ROLLUP and CUBE across shards are not supported yet',
        'run one GROUP BY per grouping set',
      );
    } else if (tag === 'GroupingFunc') {
      found = refused('GROUPING() across shards is not supported yet');
    }
    return undefined;
  });
  return found;
}

/** Unmergeable aggregates get their own refusal naming the aggregate. */
export function unmergeableAggregate(name: string): RefusedRoute {
  return refused(
    `${name}() across shards is not supported yet: only count, sum, min, max, avg, bool_and, bool_or and every are merged (without ORDER BY or WITHIN GROUP inside the call)`,
    'group by the shard key (each group then lives on one shard), or pin the query to one shard key',
  );
}

/** Looks up shard key columns of the analysis's sharded entries, placed by the catalog. */
export function keyColumnLookup(catalog: Catalog): KeyColumnLookup {
  return keyLookup((entry) => placementOf(catalog, entry));
}

/**
 * Refuses unless every sharded table is equated on its whole shard key with the others (in a join
 * condition, WHERE, USING, or a correlated subquery): then rows that meet live on one shard and
 * each shard answers for its own rows. Outer joins qualify: an unmatched row stays on its shard.
 */
export function unjoinedTable(
  analysis: QueryAnalysis,
  sharded: readonly TableEntry[],
  lookup: KeyColumnLookup,
  catalog: Catalog,
): RefusedRoute | undefined {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let at = id;
    for (let up = parent.get(at); up !== undefined && up !== at; up = parent.get(at)) at = up;
    return at;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  for (const scope of analysis.scopes) {
    for (const condition of scope.conditions)
      for (const [a, b] of conditionEqualities(condition.expr as Node, scope, lookup)) union(a.id, b.id);
    for (const using of scope.usings) {
      for (const column of using.columns) {
        const l = using.left.filter((e) => lookup.keyColumns(e)?.includes(column));
        const r = using.right.filter((e) => lookup.keyColumns(e)?.includes(column));
        if (l.length === 1 && r.length === 1 && l[0] && r[0])
          union(lookup.columnId(l[0], column), lookup.columnId(r[0], column));
      }
    }
  }
  const signature = (entry: TableEntry) =>
    (lookup.keyColumns(entry) ?? []).map((c) => find(lookup.columnId(entry, c))).join('|');
  const [first, ...others] = sharded;
  if (!first) return undefined;
  const stranger = others.find((e) => signature(e) !== signature(first));
  if (!stranger) return undefined;
  const a = placementOf(catalog, first) as Sharded;
  const b = placementOf(catalog, stranger) as Sharded;
  const join = b.rule.shardKey
    .map((c, i) => `${stranger.refName}.${c} = ${first.refName}.${a.rule.shardKey[i] ?? c}`)
    .join(' AND ');
  return refused(
    `${quoted(b.key)} is not joined to ${quoted(a.key)} on the shard key, so rows that match may sit on different shards: this read across shards is not supported`,
    `join or correlate them on the shard key (${join})`,
  );
}
