// FROM items: what each kind of item adds to a query level. Tables become entries, joins record the
// conditions that filter their sides, and subqueries, functions and join aliases are names that hide
// outer tables without being tables themselves.
import type { Node, RangeVar } from 'libpg-query';
import { nodeBody, nodeTag, stringsOf } from './ast-nodes.js';
import type { QueryScope, ScopeCondition, TableEntry, TableRole } from './query-scope.js';

/** The CTE names visible at a point of the query. */
export type Names = ReadonlySet<string>;

/** What the scope walk offers FROM items: recursion into statements and expressions, and tables. */
export interface ScopeWalker {
  readonly unsupported: string[];
  statement(node: Node | undefined, parent: QueryScope | undefined, ctes: Names): QueryScope | undefined;
  expression(root: unknown, scope: QueryScope, ctes: Names): void;
  condition(condition: ScopeCondition, scope: QueryScope, ctes: Names): void;
  rangeVar(rv: RangeVar, scope: QueryScope, ctes: Names, role: TableRole): TableEntry | undefined;
}

/**
 * Adds a FROM item's tables to `scope` and returns them (the tables below a join, whose ON clause
 * filters them): plain tables, joins, subqueries, functions, TABLESAMPLE, XMLTABLE and JSON_TABLE.
 */
export function addFromItem(walker: ScopeWalker, item: Node, scope: QueryScope, ctes: Names): TableEntry[] {
  if ('RangeVar' in item) {
    const entry = walker.rangeVar(item.RangeVar, scope, ctes, 'read');
    return entry ? [entry] : [];
  }
  if ('JoinExpr' in item) {
    const join = item.JoinExpr;
    const left = join.larg ? addFromItem(walker, join.larg, scope, ctes) : [];
    const right = join.rarg ? addFromItem(walker, join.rarg, scope, ctes) : [];
    // An outer join's ON filters only its nullable side; a FULL join's filters neither.
    const filtered =
      join.jointype === 'JOIN_INNER'
        ? [...left, ...right]
        : join.jointype === 'JOIN_LEFT'
          ? right
          : join.jointype === 'JOIN_RIGHT'
            ? left
            : [];
    if (join.quals) walker.condition({ expr: join.quals, filtered }, scope, ctes);
    const using = stringsOf(join.usingClause);
    if (using.length > 0) scope.usings.push({ columns: using, left, right, filtered });
    if (join.alias?.aliasname) scope.names.set(join.alias.aliasname, 'other');
    if (join.join_using_alias?.aliasname) scope.names.set(join.join_using_alias.aliasname, 'other');
    return [...left, ...right];
  }
  if ('RangeSubselect' in item) {
    walker.statement(item.RangeSubselect.subquery, scope, ctes);
    const alias = item.RangeSubselect.alias?.aliasname;
    if (alias) scope.names.set(alias, 'other');
    return [];
  }
  if ('RangeFunction' in item) {
    const fn = item.RangeFunction;
    walker.expression(fn.functions, scope, ctes);
    const name = fn.alias?.aliasname ?? firstFunctionName(fn.functions);
    if (name) scope.names.set(name, 'other');
    return [];
  }
  if ('RangeTableSample' in item) {
    const sample = item.RangeTableSample;
    walker.expression([sample.args, sample.repeatable], scope, ctes);
    return sample.relation ? addFromItem(walker, sample.relation, scope, ctes) : [];
  }
  if ('RangeTableFunc' in item || 'JsonTable' in item) {
    const body = item as { RangeTableFunc?: unknown; JsonTable?: unknown };
    walker.expression(body.RangeTableFunc ?? body.JsonTable, scope, ctes);
    const alias = nodeBody(item, 'RangeTableFunc')?.alias ?? nodeBody(item, 'JsonTable')?.alias;
    if (alias?.aliasname) scope.names.set(alias.aliasname, 'other');
    return [];
  }
  walker.unsupported.push(nodeTag(item));
  return [];
}

function firstFunctionName(functions: Node[] | undefined): string | undefined {
  // RangeFunction.functions is a list of two-element lists: [FuncCall, column definitions].
  const pair = nodeBody(functions?.[0], 'List')?.items;
  const call = nodeBody(pair?.[0], 'FuncCall');
  const parts = stringsOf(call?.funcname);
  return parts[parts.length - 1];
}
