// ORDER BY items as merge sort keys: direction, NULL placement with PostgreSQL's defaults (NULLS
// LAST ascending, NULLS FIRST descending), and a COLLATE clause the merge must compare with.
import type { Node, SortBy } from 'libpg-query';
import { nodeBody, stringsOf } from '../../sql/ast-nodes.js';
import { type RefusedRoute, refused } from '../refusals.js';
import type { ShardColumn, SortKey } from './merge-plan.js';

/** Collations ordering text by code point, as the merge (and the shards' default collation) does. */
const C_ORDER = new Set(['C', 'POSIX', 'ucs_basic', 'pg_c_utf8', 'default']);

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
  if (collation !== undefined && !C_ORDER.has(collation)) {
    return refused(
      `ORDER BY … COLLATE "${collation}" across shards is not supported: the merge orders text as the C collation does`,
      'order by the C collation (the database default), or sort in the application',
    );
  }
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
