// Plans one parsed statement: picks the planner for its type and completes the plan with what every
// plan carries (text, parameter count), frozen so that a cached plan can be shared by sessions.
import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { deepFreeze } from '../catalog/deep-freeze.js';
import { analyzeQuery } from '../sql/analyze-query.js';
import { nodeBody, nodeTag } from '../sql/ast-nodes.js';
import { writtenName } from '../sql/collect-tables.js';
import type { ParsedStatement } from '../sql/parse-sql.js';
import { maxParamNumber } from '../sql/walk-nodes.js';
import { planCopy } from './copy-plans.js';
import { planDdl } from './ddl-plans.js';
import { planLock } from './lock-plans.js';
import { routeQuery } from './query-route.js';
import { refused } from './refusals.js';
import type { StatementKind, StatementPlan } from './route-plan.js';
import type { StatementShape } from './statement-shape.js';
import {
  planCall,
  planCursor,
  planDeallocate,
  planDo,
  planNotification,
  planSet,
  planShow,
  planSqlPrepare,
  planTransaction,
} from './utility-plans.js';
import { planSelectInto } from './view-plans.js';

const QUERY_KINDS: Readonly<Record<string, StatementKind>> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'update',
};

/**
 * The frozen plan of one statement under `catalog`.
 *
 * @example
 *   planStatement(parseSql('SELECT * FROM users WHERE id = $1')[0], catalog).route;
 *   // { type: 'shard-key', table: 'users', keys: [[{ kind: 'param', index: 1 }]] }
 */
export function planStatement(statement: ParsedStatement, catalog: Catalog): StatementPlan {
  const shape = shapeOf(statement.ast, catalog);
  return deepFreeze({ sql: statement.sql, paramCount: maxParamNumber(statement.ast), ...shape });
}

/** The plan of an empty query string (only blanks, comments or semicolons). */
export function emptyPlan(sql: string): StatementPlan {
  return deepFreeze({ sql, kind: 'empty', route: { type: 'any' }, writes: false, paramCount: 0, tables: [] });
}

function shapeOf(ast: Node, catalog: Catalog): StatementShape {
  const tag = nodeTag(ast);
  const queryKind = QUERY_KINDS[tag];
  if (queryKind !== undefined) return planQuery(ast, queryKind, catalog);
  switch (tag) {
    case 'TransactionStmt':
      return planTransaction(ast);
    case 'VariableSetStmt':
    case 'DiscardStmt':
      return planSet();
    case 'VariableShowStmt':
      return planShow();
    case 'DeallocateStmt':
      return planDeallocate(ast);
    case 'ListenStmt':
    case 'UnlistenStmt':
    case 'NotifyStmt':
      return planNotification(catalog);
    case 'ExplainStmt':
      return planExplain(ast, catalog);
    case 'CopyStmt':
      return planCopy(ast, catalog);
    case 'LockStmt':
      return planLock(ast, catalog);
    case 'PrepareStmt':
    case 'ExecuteStmt':
      return planSqlPrepare();
    case 'DeclareCursorStmt':
    case 'FetchStmt':
    case 'ClosePortalStmt':
      return planCursor();
    case 'DoStmt':
      return planDo();
    case 'CallStmt':
      return planCall(ast, catalog);
    case 'CheckPointStmt':
      return { kind: 'utility', route: { type: 'all' }, writes: false, tables: [] };
    default:
      return (
        planDdl(ast, catalog) ?? {
          kind: 'utility',
          route: refused(`${statementName(tag)} is not supported by Switchyard`),
          writes: true,
          tables: [],
        }
      );
  }
}

function planQuery(ast: Node, kind: StatementKind, catalog: Catalog): StatementShape {
  const analysis = analyzeQuery(ast);
  if (analysis.into) return planSelectInto(analysis.into, analysis, catalog);
  const tables = [...new Set(analysis.tables.map(writtenName))];
  return { kind, route: routeQuery(analysis, catalog), writes: analysis.writes, tables };
}

// EXPLAIN runs where its statement would; EXPLAIN ANALYZE of a write performs the write.
function planExplain(ast: Node, catalog: Catalog): StatementShape {
  const stmt = nodeBody(ast, 'ExplainStmt');
  const inner = stmt?.query ? shapeOf(stmt.query, catalog) : undefined;
  if (!inner)
    return { kind: 'select', route: refused('EXPLAIN without a statement'), writes: false, tables: [] };
  const analyze = (stmt?.options ?? []).some((o) => {
    const def = nodeBody(o, 'DefElem');
    if (def?.defname !== 'analyze') return false;
    const arg = def.arg;
    const value =
      arg && 'String' in arg ? arg.String.sval : arg && 'Boolean' in arg ? arg.Boolean.boolval : true;
    return value !== false && value !== 'false' && value !== 'off';
  });
  const route =
    inner.route.type === 'all'
      ? refused('EXPLAIN of a statement that runs on every shard is not supported', 'EXPLAIN it on one shard')
      : inner.route;
  return {
    kind: 'select',
    route,
    writes: analyze && inner.writes,
    tables: inner.tables,
    explain: { analyze },
  };
}

// ExplainStmt → EXPLAIN, AlterTableSpaceOptionsStmt → ALTER TABLE SPACE OPTIONS: near enough for a
// message about something unsupported.
function statementName(tag: string): string {
  return tag
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
