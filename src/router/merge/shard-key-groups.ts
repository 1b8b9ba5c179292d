// Whether every group of a GROUP BY lives on one shard: the query groups by the whole shard key of
// a table of the outermost FROM list, and no outer join can turn that key into a NULL shared by rows
// of several shards. Then each shard's groups are complete, and the query runs as written.
import type { Node, SelectStmt } from 'libpg-query';
import type { QueryAnalysis } from '../../sql/query-scope.js';
import { walkNodes } from '../../sql/walk-nodes.js';
import { type KeyColumnLookup, resolveKeyColumn } from '../key-conditions.js';
import { columnOf } from '../key-expressions.js';
import { matchTarget, resTargets } from './select-items.js';

/** True when `select`'s GROUP BY keeps every group on one shard. */
export function groupedByShardKey(
  select: SelectStmt,
  analysis: QueryAnalysis,
  lookup: KeyColumnLookup,
): boolean {
  const items = select.groupClause ?? [];
  if (items.length === 0) return false;
  let outer = false;
  walkNodes(select.fromClause, (tag, body) => {
    if (tag === 'JoinExpr' && body.jointype !== 'JOIN_INNER') outer = true;
    return tag === 'SelectStmt' || tag === 'SubLink' ? false : undefined;
  });
  if (outer) return false;
  const targets = resTargets(select.targetList);
  const grouped = new Set<string>();
  for (const item of items) {
    const matched = matchTarget(item, targets);
    const expr: Node | undefined =
      typeof matched === 'number' ? targets[matched]?.val : matched === undefined ? item : undefined;
    const mention = columnOf(expr);
    const column = mention && resolveKeyColumn(mention, analysis.root, lookup);
    if (column) grouped.add(column.id);
  }
  return analysis.root.entries.some((entry) => {
    const key = lookup.keyColumns(entry);
    return key?.every((c) => grouped.has(lookup.columnId(entry, c))) ?? false;
  });
}
