// Writes that change several shards, which the single-shard planner refuses, become writes on those
// shards, committed together with two-phase commit by the session:
// - an UPDATE or DELETE of a sharded table without its shard key runs on every shard (each changes
//   its own rows); only when that table is the statement's one sharded table, since a join with
//   another sharded table would read only the shard's own part of it;
// - a write to a reference table runs on every shard (the copies stay identical), when it reads no
//   sharded table;
// - an INSERT … VALUES whose rows belong to several shards sends each shard its own rows;
// - an UPDATE or DELETE whose IN list (or OR) of shard keys reaches several shards runs on those.
// A function whose value differs from shard to shard (now(), random(), …) is refused in the first
// two: each shard would write a different value where one database writes one.
import type { FuncCall, Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { analyzeQuery } from '../sql/analyze-query.js';
import { stringsOf } from '../sql/ast-nodes.js';
import { functionEffect } from '../sql/catalog-relations.js';
import type { ParsedStatement } from '../sql/parse-sql.js';
import { walkNodes } from '../sql/walk-nodes.js';
import { insertKeyTuples } from './insert-keys.js';
import { functionName } from './merge/aggregate-calls.js';
import { TIME_VALUE_PREFIXES, VOLATILE } from './merge/scatter-checks.js';
import { quoted, refused } from './refusals.js';
import type { StatementPlan } from './route-plan.js';
import { placementOf } from './table-placement.js';

const DML = new Set(['insert', 'update', 'delete']);

/** `plan` with its write across shards planned, or `plan` unchanged. */
export function withMultiShardWrite(
  statement: ParsedStatement,
  plan: StatementPlan,
  catalog: Catalog,
): StatementPlan {
  if (!plan.writes || !DML.has(plan.kind) || plan.explain) return plan;
  const route = plan.route;
  if (route.type === 'refused' && route.everyShard) {
    const analysis = analyzeQuery(statement.ast);
    const placements = analysis.tables.map((t) => placementOf(catalog, t));
    const sharded = placements.filter((p) => p.kind === 'sharded');
    const target = analysis.scopes.find((s) => s.target)?.target;
    const targetPlacement = target && placementOf(catalog, target);
    if (route.everyShard === 'reference' ? sharded.length > 0 : sharded.length !== 1) {
      const key = targetPlacement && 'key' in targetPlacement ? targetPlacement.key : 'the table';
      return {
        ...plan,
        route: refused(
          `this write to ${quoted(key)} also reads ${route.everyShard === 'reference' ? 'a sharded table' : 'other sharded tables'}, and each shard would see only its own rows of ${sharded.length > 1 ? 'them' : 'it'}`,
          route.everyShard === 'reference'
            ? 'read the values first and write them as literals or parameters'
            : 'add the shard key to WHERE, or split the statement',
        ),
      };
    }
    const volatile = volatileCall(statement.ast);
    if (volatile) {
      return {
        ...plan,
        route: refused(
          `${volatile} would give a different value on each shard this write changes`,
          'pass the value as a parameter instead',
        ),
      };
    }
    return { ...plan, route: { type: 'all' }, multiWrite: { kind: 'every', table: route.everyShard } };
  }
  if (plan.kind !== 'insert' && route.type === 'shard-key' && route.keys.length > 1) {
    return { ...plan, multiWrite: { kind: 'keys' } };
  }
  if (plan.kind === 'insert' && route.type === 'shard-key' && route.keys.length > 1) {
    const analysis = analyzeQuery(statement.ast);
    const scope = analysis.scopes.find((s) => s.insert && s.target);
    const placement = scope?.target && placementOf(catalog, scope.target);
    if (!scope?.insert || placement?.kind !== 'sharded' || scope !== analysis.root) return plan;
    const rows = insertKeyTuples(scope.insert, placement.key, placement.rule);
    if (!Array.isArray(rows)) return plan;
    return { ...plan, multiWrite: { kind: 'rows', table: route.table, rows } };
  }
  return plan;
}

/** The first call whose value differs from shard to shard, as the message names it. */
function volatileCall(ast: Node): string | undefined {
  let found: string | undefined;
  walkNodes(ast, (tag, body) => {
    if (found) return false;
    if (tag === 'FuncCall') {
      const call = body as FuncCall;
      const name = functionName(call);
      if (VOLATILE.has(name) || functionEffect(stringsOf(call.funcname)) === 'side-effect')
        found = `${name}()`;
    } else if (tag === 'SQLValueFunction') {
      const op = String(body.op ?? '');
      if (TIME_VALUE_PREFIXES.some((p) => op.startsWith(p)))
        found = 'CURRENT_DATE/CURRENT_TIME/CURRENT_TIMESTAMP';
    }
    return undefined;
  });
  return found;
}
