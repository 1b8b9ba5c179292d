// Builds the scope tree of a query (query-scope.ts): which tables each level reads, under which
// alias, and which conditions filter them. CTE names are scoped as PostgreSQL scopes them (a plain
// CTE sees the CTEs before it, a recursive WITH sees all of them), so a CTE never hides a real table
// it does not shadow.
import type { Node, RangeVar, SelectStmt, WithClause } from 'libpg-query';
import { type NodeOf, nodeBody, nodeTag, stringsOf } from './ast-nodes.js';
import { addFromItem, type Names, type ScopeWalker } from './from-items.js';
import type { QueryAnalysis, QueryScope, ScopeCondition, TableEntry, TableRole } from './query-scope.js';
import { collectRangeVars, walkNodes } from './walk-nodes.js';

const NO_NAMES: Names = new Set();

/**
 * Analyzes a SELECT, INSERT, UPDATE, DELETE or MERGE statement (or a bare VALUES list).
 *
 * @example
 *   const { tables } = analyzeQuery(parseSql('SELECT * FROM users u JOIN orders o ON o.user_id = u.id')[0].ast);
 *   tables.map((t) => t.refName); // ['u', 'o']
 */
export function analyzeQuery(ast: Node): QueryAnalysis {
  const builder = new ScopeBuilder();
  const root = builder.statement(ast, undefined, NO_NAMES) ?? builder.newScope(undefined, 'select');
  // A relation the walk did not place (in a clause it does not know) could be a sharded table the
  // route ignores: refuse rather than guess.
  if (collectRangeVars(ast).some((rv) => !builder.placed.has(rv))) {
    builder.unsupported.push('a table reference in this position');
  }
  return {
    root,
    scopes: [root, ...builder.scopes.filter((s) => s !== root)],
    tables: builder.tables,
    functions: builder.functions,
    writes: builder.writes,
    unsupported: builder.unsupported,
    into: builder.into,
  };
}

class ScopeBuilder implements ScopeWalker {
  readonly scopes: QueryScope[] = [];
  readonly tables: TableEntry[] = [];
  readonly functions: string[][] = [];
  readonly unsupported: string[] = [];
  /** Every RangeVar body the walk classified (a table, a CTE reference, a SELECT INTO target, FOR UPDATE OF). */
  readonly placed = new Set<unknown>();
  writes = false;
  into: QueryAnalysis['into'];
  private depth = 0;

  newScope(parent: QueryScope | undefined, kind: QueryScope['kind']): QueryScope {
    const scope: QueryScope = {
      parent,
      kind,
      entries: [],
      names: new Map(),
      conditions: [],
      usings: [],
      target: undefined,
      setColumns: [],
      insert: undefined,
    };
    this.scopes.push(scope);
    return scope;
  }

  statement(node: Node | undefined, parent: QueryScope | undefined, ctes: Names): QueryScope | undefined {
    if (node === undefined) return undefined;
    this.depth++;
    try {
      if ('SelectStmt' in node) return this.select(node.SelectStmt, parent, ctes);
      if ('InsertStmt' in node) return this.insert(node.InsertStmt, parent, ctes);
      if ('UpdateStmt' in node) return this.update(node.UpdateStmt, parent, ctes);
      if ('DeleteStmt' in node) return this.delete(node.DeleteStmt, parent, ctes);
      if ('MergeStmt' in node) return this.merge(node.MergeStmt, parent, ctes);
      this.unsupported.push(nodeTag(node));
      return undefined;
    } finally {
      this.depth--;
    }
  }

  private select(select: SelectStmt, parent: QueryScope | undefined, ctes: Names): QueryScope {
    const visible = this.withClause(select.withClause, parent, ctes);
    const scope = this.newScope(parent, 'select');
    for (const locking of select.lockingClause ?? []) {
      for (const rel of nodeBody(locking, 'LockingClause')?.lockedRels ?? [])
        this.placed.add(nodeBody(rel, 'RangeVar'));
    }
    if (select.intoClause?.rel) {
      this.placed.add(select.intoClause.rel);
      // SELECT INTO creates a table: at the top level it is planned like CREATE TABLE AS.
      this.writes = true;
      if (this.depth === 1) this.into = tableName(select.intoClause.rel);
      else this.unsupported.push('SELECT INTO');
    }
    if (select.op !== undefined && select.op !== 'SETOP_NONE') {
      if (select.larg) this.select(select.larg, scope, visible);
      if (select.rarg) this.select(select.rarg, scope, visible);
    }
    for (const item of select.fromClause ?? []) addFromItem(this, item, scope, visible);
    if (select.whereClause) this.condition({ expr: select.whereClause, filtered: 'scope' }, scope, visible);
    this.expression(
      [
        select.targetList,
        select.groupClause,
        select.havingClause,
        select.windowClause,
        select.sortClause,
        select.limitCount,
        select.limitOffset,
        select.distinctClause,
        select.valuesLists,
      ],
      scope,
      visible,
    );
    return scope;
  }

  private insert(insert: NodeOf<'InsertStmt'>, parent: QueryScope | undefined, ctes: Names): QueryScope {
    this.writes = true;
    const visible = this.withClause(insert.withClause, parent, ctes);
    const scope = this.newScope(parent, 'insert');
    // A DML target is always a real table: a CTE cannot be written to.
    scope.target = insert.relation ? this.rangeVar(insert.relation, scope, NO_NAMES, 'insert') : undefined;
    const columns = insert.cols?.map((c) => nodeBody(c, 'ResTarget')?.name ?? '');
    const select = nodeBody(insert.selectStmt, 'SelectStmt');
    let rows: Node[][] | undefined;
    let fromQuery = false;
    if (select && isPlainValues(select)) {
      rows = (select.valuesLists ?? []).map((row) => nodeBody(row, 'List')?.items ?? []);
      this.expression(select.valuesLists, scope, visible);
    } else if (insert.selectStmt) {
      fromQuery = true;
      this.statement(insert.selectStmt, scope, visible);
    }
    const conflict = insert.onConflictClause;
    if (conflict) {
      scope.names.set('excluded', 'other');
      this.expression(
        [conflict.targetList, conflict.whereClause, conflict.infer?.whereClause],
        scope,
        visible,
      );
    }
    this.expression(insert.returningClause?.exprs, scope, visible);
    scope.insert = {
      columns,
      rows,
      fromQuery,
      conflictSets: (conflict?.targetList ?? []).map((t) => nodeBody(t, 'ResTarget')?.name ?? ''),
    };
    return scope;
  }

  private update(update: NodeOf<'UpdateStmt'>, parent: QueryScope | undefined, ctes: Names): QueryScope {
    this.writes = true;
    const visible = this.withClause(update.withClause, parent, ctes);
    const scope = this.newScope(parent, 'update');
    scope.target = update.relation ? this.rangeVar(update.relation, scope, NO_NAMES, 'update') : undefined;
    for (const item of update.fromClause ?? []) addFromItem(this, item, scope, visible);
    if (update.whereClause) this.condition({ expr: update.whereClause, filtered: 'scope' }, scope, visible);
    scope.setColumns = (update.targetList ?? []).map((t) => nodeBody(t, 'ResTarget')?.name ?? '');
    this.expression([update.targetList, update.returningClause?.exprs], scope, visible);
    return scope;
  }

  private delete(del: NodeOf<'DeleteStmt'>, parent: QueryScope | undefined, ctes: Names): QueryScope {
    this.writes = true;
    const visible = this.withClause(del.withClause, parent, ctes);
    const scope = this.newScope(parent, 'delete');
    scope.target = del.relation ? this.rangeVar(del.relation, scope, NO_NAMES, 'delete') : undefined;
    for (const item of del.usingClause ?? []) addFromItem(this, item, scope, visible);
    if (del.whereClause) this.condition({ expr: del.whereClause, filtered: 'scope' }, scope, visible);
    this.expression(del.returningClause?.exprs, scope, visible);
    return scope;
  }

  private merge(merge: NodeOf<'MergeStmt'>, parent: QueryScope | undefined, ctes: Names): QueryScope {
    this.writes = true;
    this.unsupported.push('MERGE');
    const visible = this.withClause(merge.withClause, parent, ctes);
    const scope = this.newScope(parent, 'merge');
    scope.target = merge.relation ? this.rangeVar(merge.relation, scope, NO_NAMES, 'merge') : undefined;
    if (merge.sourceRelation) addFromItem(this, merge.sourceRelation, scope, visible);
    this.expression(
      [merge.joinCondition, merge.mergeWhenClauses, merge.returningClause?.exprs],
      scope,
      visible,
    );
    return scope;
  }

  // CTE bodies cannot see the FROM list of the statement that holds the WITH, so their parent is
  // that statement's parent.
  private withClause(clause: WithClause | undefined, parent: QueryScope | undefined, ctes: Names): Names {
    const list = clause?.ctes ?? [];
    if (list.length === 0) return ctes;
    const all = new Set(ctes);
    for (const cte of list) all.add(nodeBody(cte, 'CommonTableExpr')?.ctename ?? '');
    const visible = new Set(ctes);
    for (const cte of list) {
      const body = nodeBody(cte, 'CommonTableExpr');
      if (!body) continue;
      this.statement(body.ctequery, parent, clause?.recursive ? all : new Set(visible));
      visible.add(body.ctename ?? '');
    }
    return all;
  }

  rangeVar(rv: RangeVar, scope: QueryScope, ctes: Names, role: TableRole): TableEntry | undefined {
    this.placed.add(rv);
    const name = rv.relname ?? '';
    const alias = rv.alias?.aliasname;
    if (rv.schemaname === undefined && ctes.has(name)) {
      scope.names.set(alias ?? name, 'other');
      return undefined;
    }
    const entry: TableEntry = {
      schema: rv.schemaname,
      name,
      alias,
      refName: alias ?? name,
      renamesColumns: (rv.alias?.colnames?.length ?? 0) > 0,
      role,
      location: rv.location ?? 0,
      scope,
    };
    scope.entries.push(entry);
    this.tables.push(entry);
    if (!scope.names.has(entry.refName)) scope.names.set(entry.refName, entry);
    return entry;
  }

  condition(condition: ScopeCondition, scope: QueryScope, ctes: Names): void {
    scope.conditions.push(condition);
    this.expression(condition.expr, scope, ctes);
  }

  /** Walks expressions for what they hold: subqueries (child scopes) and function calls. */
  expression(root: unknown, scope: QueryScope, ctes: Names): void {
    if (root === undefined) return;
    walkNodes(root, (tag, body) => {
      switch (tag) {
        case 'SubLink':
          this.expression(body.testexpr, scope, ctes);
          this.statement(body.subselect as Node | undefined, scope, ctes);
          return false;
        case 'FuncCall':
          this.functions.push(stringsOf(body.funcname as Node[] | undefined));
          return undefined;
        case 'CurrentOfExpr':
          this.unsupported.push('WHERE CURRENT OF');
          return undefined;
        case 'SelectStmt':
        case 'InsertStmt':
        case 'UpdateStmt':
        case 'DeleteStmt':
        case 'MergeStmt':
          // Raw parse trees nest statements only under SubLink, but a statement met anywhere is one.
          this.statement({ [tag]: body } as unknown as Node, scope, ctes);
          return false;
        default:
          return undefined;
      }
    });
  }
}

function isPlainValues(select: SelectStmt): boolean {
  return (
    select.valuesLists !== undefined &&
    select.fromClause === undefined &&
    select.sortClause === undefined &&
    select.limitCount === undefined &&
    select.limitOffset === undefined &&
    select.withClause === undefined &&
    (select.op === undefined || select.op === 'SETOP_NONE')
  );
}

function tableName(rv: RangeVar): { schema: string | undefined; name: string } {
  return { schema: rv.schemaname, name: rv.relname ?? '' };
}
