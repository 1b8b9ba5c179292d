// The scatter of a query whose groups span shards: each shard groups its own rows and returns the
// group keys with partial aggregates (AVG as SUM and COUNT; a DISTINCT aggregate's argument as an
// extra group key, so the shard returns its distinct values); the merge folds the partials per
// group, then computes HAVING, expressions over aggregates, ORDER BY, DISTINCT and LIMIT itself.
import type { FuncCall, Node, SelectStmt } from 'libpg-query';
import { nodeBody } from '../../sql/ast-nodes.js';
import { walkNodes } from '../../sql/walk-nodes.js';
import { type RefusedRoute, refused } from '../refusals.js';
import { classifyCall, hasAggregate } from './aggregate-calls.js';
import { targetName } from './column-name.js';
import { targetNode } from './hidden-columns.js';
import type { MergeAggregate, MergeExpr, MergePlan, ShardColumn, SortKey } from './merge-plan.js';
import type { ShardQuery } from './plan-pushdown.js';
import { unmergeableAggregate } from './scatter-checks.js';
import { isStar, matchTarget, resTargets } from './select-items.js';
import { scatterLimits } from './shard-limit.js';
import { sortItems, sortKeyOf } from './sort-items.js';
import { cloneNode, columnRefNode, sqlText } from './sql-text.js';

/** Thrown inside the rewrite to leave it with a refusal. */
class Refusal {
  constructor(readonly route: RefusedRoute) {}
}

/** Plans `select` (already checked for scatter) for re-aggregation at the merge. */
export function planRegroup(select: SelectStmt): ShardQuery | RefusedRoute {
  try {
    return new RegroupPlanner(select).plan();
  } catch (error) {
    if (error instanceof Refusal) return error.route;
    throw error;
  }
}

class RegroupPlanner {
  private readonly shardColumns: Node[] = [];
  private readonly shardTexts: string[] = [];
  private readonly groupKeys: number[] = [];
  private readonly carried: number[] = [];
  private readonly aggregates: MergeAggregate[] = [];
  private readonly aggregateTexts: string[] = [];
  /** Group-row references made before the row's layout is final: fixed by `finish`. */
  private readonly refs: { readonly name: { sval: string }; readonly column: () => number }[] = [];
  /** Shard columns holding DISTINCT aggregates' arguments: the shards group by them too. */
  private readonly distinctArgs: number[] = [];

  constructor(private readonly select: SelectStmt) {}

  plan(): ShardQuery | RefusedRoute {
    const select = this.select;
    const targets = resTargets(select.targetList);
    if (targets.some(isStar)) {
      return refused(
        'SELECT * with aggregates or GROUP BY across shards is not supported',
        'list the columns you group by',
      );
    }
    const groupExprs: Node[] = [];
    for (const item of select.groupClause ?? []) {
      const matched = matchTarget(item, targets);
      if (typeof matched === 'object') return matched;
      const expr = matched === undefined ? item : (targets[matched]?.val ?? item);
      if (hasAggregate(expr))
        return refused('aggregate functions are not allowed in GROUP BY', undefined, '42803');
      groupExprs.push(expr);
      this.groupKeys.push(this.shardColumn(expr));
    }
    this.findDistinctArguments([select.targetList, select.havingClause, select.sortClause]);
    const implicitGroup = groupExprs.length === 0;
    // HAVING without aggregates filters whole groups: the shards can apply it, unless there is no
    // GROUP BY (then the merge must still answer one row or none for the whole table).
    const pushHaving =
      select.havingClause !== undefined && !hasAggregate(select.havingClause) && !implicitGroup;
    const having = select.havingClause && !pushHaving ? this.mergeExpr(select.havingClause) : undefined;
    const projection: (() => MergeExpr)[] = targets.map((t) => this.mergeExpr(t.val as Node));
    const names = targets.map(targetName);
    const projected = (item: Node): ShardColumn => {
      const matched = matchTarget(item, targets);
      if (typeof matched === 'object') throw new Refusal(matched);
      if (matched !== undefined) return { from: 'start', index: matched };
      projection.push(this.mergeExpr(item));
      return { from: 'start', index: projection.length - 1 };
    };
    const order: SortKey[] = [];
    for (const item of sortItems(select.sortClause)) {
      if (!item.node) continue;
      const key = sortKeyOf(item, projected(item.node));
      if ('type' in key) return key;
      order.push(key);
    }
    let distinct: MergePlan['distinct'];
    const on = select.distinctClause ?? [];
    if (on.length === 1 && Object.keys(on[0] ?? {}).length === 0) distinct = { kind: 'all' };
    else if (on.length > 0) distinct = { kind: 'on', columns: on.map(projected) };
    const limits = scatterLimits(select);
    if ('type' in limits) return limits;
    const shardGroup = groupExprs.map((e) => cloneNode(e));
    for (const at of this.distinctArgs) shardGroup.push(cloneNode(this.shardColumns[at] as Node));
    this.finish();
    const shard: SelectStmt = {
      ...cloneNode(select),
      targetList: this.shardColumns.map((n) => targetNode(cloneNode(n))),
      groupClause: shardGroup.length > 0 ? shardGroup : undefined,
      havingClause: pushHaving ? cloneNode(select.havingClause) : undefined,
      sortClause: undefined,
      distinctClause: undefined,
      limitCount: undefined,
      limitOffset: undefined,
      limitOption: 'LIMIT_OPTION_DEFAULT',
    };
    const merge: MergePlan = {
      hidden: projection.length - targets.length,
      order,
      aggregate: {
        groupKeys: this.groupKeys,
        carried: this.carried,
        aggregates: this.aggregates,
        implicitGroup,
        ...(having ? { having: having() } : {}),
        projection: projection.map((p) => p()),
        names,
      },
      ...(distinct ? { distinct } : {}),
      ...(limits.limit ? { limit: limits.limit } : {}),
      ...(limits.offset ? { offset: limits.offset } : {}),
    };
    return { select: shard, merge };
  }

  /** The shard column of `expr`, added unless the same expression is already selected. */
  private shardColumn(expr: Node): number {
    const text = sqlText(expr);
    const at = this.shardTexts.indexOf(text);
    if (at >= 0) return at;
    this.shardTexts.push(text);
    this.shardColumns.push(expr);
    return this.shardColumns.length - 1;
  }

  // The shards group by every DISTINCT aggregate's argument as well, so each returns its distinct
  // values (per group) and every other aggregate stays combinable: its partials are per (group,
  // values) and fold back together. Several arguments multiply the shard groups, never the answer.
  // `agg(DISTINCT x) FILTER (WHERE c)` groups by `CASE WHEN c THEN x END`: the merge skips NULLs,
  // so only the values the filter keeps are counted.
  private findDistinctArguments(roots: unknown[]): void {
    walkNodes(roots, (tag, body) => {
      if (tag === 'SubLink') return false;
      if (tag !== 'FuncCall') return undefined;
      const call = body as FuncCall;
      const kind = classifyCall(call);
      if (kind.kind === 'unmergeable') throw new Refusal(unmergeableAggregate(kind.name));
      if (kind.kind !== 'aggregate' || !call.agg_distinct || kind.name === 'min' || kind.name === 'max')
        return undefined;
      const column = this.shardColumn(distinctArgument(call));
      if (!this.distinctArgs.includes(column)) this.distinctArgs.push(column);
      return false;
    });
  }

  /**
   * `expr` computed over the group row: a column when it is one, else a rewritten expression. A
   * thunk, since aggregate positions are known only once every expression has been seen.
   */
  private mergeExpr(expr: Node): () => MergeExpr {
    const rewritten = this.rewrite(expr);
    const name = nodeBody(nodeBody(rewritten, 'ColumnRef')?.fields?.[0], 'String');
    const entry = name && this.refs.find((r) => r.name === name);
    if (entry) return () => ({ kind: 'column', index: entry.column() });
    return () => ({ kind: 'expr', node: rewritten, text: sqlText(expr) });
  }

  // Aggregates become references to their merged value; aggregate-free parts that read columns
  // become shard columns carried per group; constants and parameters stay for the merge to compute.
  private rewrite(node: Node): Node {
    const call = nodeBody(node, 'FuncCall');
    const kind = call && classifyCall(call);
    if (call && kind?.kind === 'aggregate') {
      const a = this.aggregate(call, kind.name);
      return this.ref(() => this.groupKeys.length + this.carried.length + a);
    }
    if (kind?.kind === 'unmergeable') throw new Refusal(unmergeableAggregate(kind.name));
    if (!hasAggregate(node)) {
      if (!readsColumns(node)) return cloneNode(node);
      const index = this.groupRowIndex(this.shardColumn(node));
      return this.ref(() => index);
    }
    if ('SubLink' in node)
      throw new Refusal(refused('a subquery over aggregates across shards is not supported'));
    const out: Record<string, unknown> = {};
    for (const [tag, body] of Object.entries(node)) out[tag] = this.rewriteBody(body);
    return out as Node;
  }

  private rewriteBody(body: unknown): unknown {
    if (Array.isArray(body)) return body.map((b) => this.rewriteBody(b));
    if (typeof body !== 'object' || body === null) return body;
    const keys = Object.keys(body);
    if (keys.length === 1 && /^[A-Z]/.test(keys[0] ?? '')) return this.rewrite(body as Node);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) out[k] = this.rewriteBody(v);
    return out;
  }

  private aggregate(call: FuncCall, name: MergeAggregate['name']): number {
    const text = sqlText({ FuncCall: call } as Node);
    const known = this.aggregateTexts.indexOf(text);
    if (known >= 0) return known;
    const distinct = call.agg_distinct === true && name !== 'min' && name !== 'max';
    let partials: number[];
    if (distinct) {
      partials = [this.shardColumn(distinctArgument(call))];
    } else {
      const partial = (fn: string): number =>
        this.shardColumn({
          FuncCall: { ...cloneNode(call), funcname: [{ String: { sval: fn } }], agg_distinct: false },
        } as Node);
      partials =
        name === 'avg'
          ? [partial('sum'), partial('count')]
          : [partial(name === 'bool_and' ? 'bool_and' : name)];
    }
    this.aggregateTexts.push(text);
    this.aggregates.push({ name, partials, distinct, star: call.agg_star === true });
    return this.aggregates.length - 1;
  }

  private groupRowIndex(shardColumn: number): number {
    const key = this.groupKeys.indexOf(shardColumn);
    if (key >= 0) return key;
    let carried = this.carried.indexOf(shardColumn);
    if (carried < 0) {
      this.carried.push(shardColumn);
      carried = this.carried.length - 1;
    }
    return this.groupKeys.length + carried;
  }

  private ref(column: () => number): Node {
    const node = columnRefNode('');
    const name = nodeBody(nodeBody(node, 'ColumnRef')?.fields?.[0], 'String') as { sval: string };
    this.refs.push({ name, column });
    return node;
  }

  // Names group-row references once every group key, carried column and aggregate is known.
  private finish(): void {
    for (const r of this.refs) r.name.sval = `__g${r.column()}`;
  }
}

/** The value a DISTINCT aggregate feeds: its argument, or NULL where its FILTER rejects the row. */
function distinctArgument(call: FuncCall): Node {
  const arg = call.args?.[0];
  if (call.args?.length !== 1 || !arg) {
    throw new Refusal(refused('a DISTINCT aggregate with several arguments across shards is not supported'));
  }
  if (!call.agg_filter) return arg;
  return {
    CaseExpr: {
      args: [{ CaseWhen: { expr: cloneNode(call.agg_filter), result: cloneNode(arg) } }],
      location: -1,
    },
  } as Node;
}

function readsColumns(node: Node): boolean {
  let found = false;
  walkNodes(node, (tag) => {
    if (tag === 'ColumnRef' || tag === 'SubLink') found = true;
    return found ? false : undefined;
  });
  return found;
}
