// The scatter of a query each shard answers completely for its own rows: no aggregates, or groups
// that each live on one shard (grouped by the shard key). The shards run the statement as written,
// with sort and DISTINCT ON keys they do not select added as hidden columns and LIMIT raised to
// limit + offset; the merge interleaves by ORDER BY, de-duplicates, and applies LIMIT/OFFSET once.
import type { Node, SelectStmt } from 'libpg-query';
import type { RefusedRoute } from '../refusals.js';
import { HiddenColumns, targetNode } from './hidden-columns.js';
import type { MergePlan, ShardColumn, SortKey } from './merge-plan.js';
import { isStar, matchTarget, resTargets } from './select-items.js';
import { scatterLimits } from './shard-limit.js';
import { sortItems, sortKeyOf } from './sort-items.js';
import { cloneNode } from './sql-text.js';

/** The shard statement and merge plan of a query answered per shard. */
export interface ShardQuery {
  readonly select: SelectStmt;
  readonly merge: MergePlan;
}

/** Plans `select` (already checked for scatter) as a push-down. */
export function planPushdown(select: SelectStmt): ShardQuery | RefusedRoute {
  const targets = resTargets(select.targetList);
  const hidden = new HiddenColumns();
  const columnOf = (item: Node): ShardColumn | RefusedRoute => {
    const matched = matchTarget(item, targets);
    if (typeof matched === 'object') return matched;
    // A target after `*` has a position the plan cannot know: hide a copy of it instead.
    if (matched !== undefined && !targets.slice(0, matched + 1).some(isStar))
      return { from: 'start', index: matched };
    const target = matched === undefined ? undefined : targets[matched];
    if (target && isStar(target)) {
      return {
        type: 'refused',
        code: '0A000',
        message: 'ORDER BY or DISTINCT ON a position that * expands to is not supported across shards',
        hint: 'name the column',
      };
    }
    return hidden.add(target?.val ?? item);
  };
  const order: SortKey[] = [];
  for (const item of sortItems(select.sortClause)) {
    if (!item.node) continue;
    const column = columnOf(item.node);
    if ('type' in column) return column;
    const key = sortKeyOf(item, column);
    if ('type' in key) return key;
    order.push(key);
  }
  let distinct: MergePlan['distinct'];
  const on = select.distinctClause ?? [];
  if (on.length === 1 && Object.keys(on[0] ?? {}).length === 0) distinct = { kind: 'all' };
  else if (on.length > 0) {
    const columns: ShardColumn[] = [];
    for (const item of on) {
      const column = columnOf(item);
      if ('type' in column) return column;
      columns.push(column);
    }
    distinct = { kind: 'on', columns };
  }
  const limits = scatterLimits(select);
  if ('type' in limits) return limits;
  const hiddenCount = hidden.finish();
  const shard = cloneNode(select);
  shard.targetList = [...(shard.targetList ?? []), ...hidden.nodes.map((n) => targetNode(cloneNode(n)))];
  shard.limitCount = limits.shardLimit;
  shard.limitOffset = undefined;
  if (!limits.shardLimit) shard.limitOption = 'LIMIT_OPTION_DEFAULT';
  const merge: MergePlan = {
    hidden: hiddenCount,
    order,
    ...(distinct ? { distinct } : {}),
    ...(limits.limit ? { limit: limits.limit } : {}),
    ...(limits.offset ? { offset: limits.offset } : {}),
  };
  return { select: shard, merge };
}
