// ORDER BY items as merge sort keys: direction, NULL placement with PostgreSQL's defaults (NULLS
// LAST ascending, NULLS FIRST descending), and a COLLATE clause the merge must compare with.
import type { Node, SortBy } from 'libpg-query';
import { nodeBody, stringsOf } from '../../sql/ast-nodes.js';
import { type RefusedRoute, refused } from '../refusals.js';
import type { ShardColumn, SortKey } from './merge-plan.js';

/** The sort key of `sortBy` over `column`, or a refusal for ORDER BY … USING. */
export function sortKeyOf(sortBy: SortBy, column: ShardColumn): SortKey | RefusedRoute {
  if (sortBy.sortby_dir === 'SORTBY_USING') {
    return refused('ORDER BY … USING across shards is not supported', 'use ASC or DESC');
  }
  const descending = sortBy.sortby_dir === 'SORTBY_DESC';
  const nullsFirst =
    sortBy.sortby_nulls === 'SORTBY_NULLS_FIRST' ||
    (sortBy.sortby_nulls !== 'SORTBY_NULLS_LAST' && descending);
  const collation = collationOf(sortBy.node);
  return collation === undefined
    ? { column, descending, nullsFirst }
    : { column, descending, nullsFirst, collation };
}

/** The SortBy bodies of a sort clause. */
export function sortItems(list: readonly Node[] | undefined): SortBy[] {
  return (list ?? []).map((n) => nodeBody(n, 'SortBy') ?? {});
}

function collationOf(node: Node | undefined): string | undefined {
  const names = stringsOf(nodeBody(node, 'CollateClause')?.collname);
  return names[names.length - 1];
}
