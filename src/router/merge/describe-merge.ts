// EXPLAIN's account of a merge: the steps Switchyard performs on the shards' rows, one line each.
import type { CountSource, MergePlan, ShardColumn } from './merge-plan.js';

const column = (c: ShardColumn) =>
  c.from === 'start' ? `#${c.index + 1}` : `#last${c.index === 0 ? '' : `-${c.index}`}`;
const count = (c: CountSource) => (c.kind === 'param' ? `$${c.index}` : (c.value ?? 'ALL'));

/**
 * The merge steps of `plan`, in the order they run.
 *
 * @example
 *   describeMerge(plan); // ['re-aggregate: group by 1 key(s); count, avg', 'sort: #1 DESC', 'limit 10']
 */
export function describeMerge(plan: MergePlan): string[] {
  const steps: string[] = [];
  const agg = plan.aggregate;
  if (agg) {
    const names = agg.aggregates.map((a) => `${a.name}${a.distinct ? ' distinct' : ''}`).join(', ');
    steps.push(
      `re-aggregate: ${agg.groupKeys.length ? `group by ${agg.groupKeys.length} key(s)` : 'one group'}${names ? `; ${names}` : ''}${agg.having ? '; having' : ''}`,
    );
  }
  if (plan.order.length > 0) {
    const keys = plan.order
      .map(
        (k) =>
          `${column(k.column)}${k.descending ? ' DESC' : ''}${k.nullsFirst !== k.descending ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`,
      )
      .join(', ');
    steps.push(`${agg ? 'sort' : 'k-way merge of sorted shard streams'}: ${keys}`);
  } else if (!agg) {
    steps.push('append shard streams');
  }
  if (plan.distinct)
    steps.push(
      plan.distinct.kind === 'all'
        ? 'distinct'
        : `distinct on ${plan.distinct.columns.map(column).join(', ')}`,
    );
  if (plan.limit || plan.offset) {
    steps.push(
      `limit ${plan.limit ? count(plan.limit) : 'ALL'}${plan.offset ? ` offset ${count(plan.offset)}` : ''}`,
    );
  }
  if (plan.hidden > 0) steps.push(`drop ${plan.hidden} hidden column(s)`);
  return steps;
}
