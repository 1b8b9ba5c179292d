// Which target an ORDER BY, GROUP BY or DISTINCT ON item names, as PostgreSQL resolves it: a
// position (ORDER BY 2), an output alias (ORDER BY total), or an expression written the same way
// as a target (ORDER BY a + 1). Items that name no target become hidden columns.
import type { Node, ResTarget } from 'libpg-query';
import { nodeBody, stringOf } from '../../sql/ast-nodes.js';
import { type RefusedRoute, refused } from '../refusals.js';
import { sqlText } from './sql-text.js';

/** The target list of a SELECT as ResTarget bodies. */
export function resTargets(list: readonly Node[] | undefined): ResTarget[] {
  return (list ?? []).map((n) => nodeBody(n, 'ResTarget') ?? {});
}

/** True for `*` or `t.*`. */
export function isStar(target: ResTarget): boolean {
  const fields = nodeBody(target.val, 'ColumnRef')?.fields ?? [];
  return fields.some((f) => 'A_Star' in f);
}

/**
 * The index of the target `item` names, undefined when it names none, or a refusal for a position
 * past the target list (PostgreSQL's own error, 42P10).
 */
export function matchTarget(item: Node, targets: readonly ResTarget[]): number | RefusedRoute | undefined {
  const constant = nodeBody(item, 'A_Const');
  if (constant?.ival !== undefined) {
    const position = constant.ival.ival ?? 0;
    if (position < 1 || position > targets.length)
      return refused(`position ${position} is not in select list`, undefined, '42P10');
    return position - 1;
  }
  const fields = nodeBody(item, 'ColumnRef')?.fields ?? [];
  const bare = fields.length === 1 ? stringOf(fields[0]) : undefined;
  if (bare !== undefined) {
    const named = targets.findIndex((t) => t.name === bare);
    if (named >= 0) return named;
  }
  const text = sqlText(item);
  const same = targets.findIndex((t) => t.val !== undefined && !isStar(t) && sqlText(t.val) === text);
  return same >= 0 ? same : undefined;
}
