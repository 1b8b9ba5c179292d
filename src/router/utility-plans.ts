// Plans for statements that touch no table data: transaction control, settings, LISTEN/NOTIFY,
// SQL-level prepared statements and cursors, DO and CALL.

import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { nodeBody } from '../sql/ast-nodes.js';
import { collectRangeVars } from '../sql/walk-nodes.js';
import { quoted, refused } from './refusals.js';
import type { TransactionAction } from './route-plan.js';
import type { StatementShape } from './statement-shape.js';
import { placementOf } from './table-placement.js';

const NO_TABLES: readonly string[] = [];

/** BEGIN, COMMIT, ROLLBACK, savepoints; a client's own two-phase commit is refused. */
export function planTransaction(ast: Node): StatementShape {
  const stmt = nodeBody(ast, 'TransactionStmt');
  const name = stmt?.savepoint_name ?? '';
  let action: TransactionAction | undefined;
  switch (stmt?.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      action = { type: 'begin' };
      break;
    case 'TRANS_STMT_COMMIT':
      action = stmt.chain ? { type: 'commit', chain: true } : { type: 'commit' };
      break;
    case 'TRANS_STMT_ROLLBACK':
      action = stmt.chain ? { type: 'rollback', chain: true } : { type: 'rollback' };
      break;
    case 'TRANS_STMT_SAVEPOINT':
      action = { type: 'savepoint', name };
      break;
    case 'TRANS_STMT_RELEASE':
      action = { type: 'release', name };
      break;
    case 'TRANS_STMT_ROLLBACK_TO':
      action = { type: 'rollback-to', name };
      break;
    default:
      return {
        kind: 'transaction',
        route: refused(
          'PREPARE TRANSACTION, COMMIT PREPARED and ROLLBACK PREPARED are not available to clients: Switchyard runs two-phase commit itself',
          'use BEGIN and COMMIT; Switchyard prepares and commits on each shard',
        ),
        writes: false,
        tables: NO_TABLES,
      };
  }
  return { kind: 'transaction', route: { type: 'transaction', action }, writes: false, tables: NO_TABLES };
}

/** SET, RESET, SET LOCAL, SET TRANSACTION, DISCARD: the session forwards them to every shard it holds. */
export function planSet(): StatementShape {
  return { kind: 'set', route: { type: 'any' }, writes: false, tables: NO_TABLES };
}

/** SHOW: every shard has the same settings the session forwarded. */
export function planShow(): StatementShape {
  return { kind: 'show', route: { type: 'any' }, writes: false, tables: NO_TABLES };
}

/** LISTEN, UNLISTEN, NOTIFY: notifications live in one database, the home shard. */
export function planNotification(catalog: Catalog): StatementShape {
  return {
    kind: 'utility',
    route: { type: 'shard', shard: catalog.homeShard },
    writes: false,
    tables: NO_TABLES,
  };
}

/** DEALLOCATE: the session owns protocol-level statements; SQL-level ones are refused at PREPARE. */
export function planDeallocate(ast: Node): StatementShape {
  const stmt = nodeBody(ast, 'DeallocateStmt');
  return {
    kind: 'deallocate',
    route: { type: 'any' },
    writes: false,
    tables: NO_TABLES,
    deallocate: { name: stmt?.isall || stmt?.name === undefined ? null : stmt.name },
  };
}

/** PREPARE … AS and EXECUTE: a name prepared on one shard would be missing on the others. */
export function planSqlPrepare(): StatementShape {
  return {
    kind: 'utility',
    route: refused(
      'SQL-level prepared statements (PREPARE … AS, EXECUTE) are not supported',
      "use the protocol's prepared statements (your driver's prepare or parameterized queries)",
    ),
    writes: false,
    tables: NO_TABLES,
  };
}

/** DECLARE, FETCH, MOVE, CLOSE. */
export function planCursor(): StatementShape {
  return {
    kind: 'utility',
    route: refused(
      'cursors (DECLARE, FETCH, MOVE, CLOSE) are not supported yet',
      'page with WHERE and LIMIT, or use the protocol to fetch a portal in batches',
    ),
    writes: false,
    tables: NO_TABLES,
  };
}

/** DO: its body is opaque, so it could touch any table. */
export function planDo(): StatementShape {
  return {
    kind: 'utility',
    route: refused(
      'DO blocks are not supported: Switchyard cannot see which tables the block touches',
      'run the statements one by one, or create a function and CALL it for unsharded tables',
    ),
    writes: true,
    tables: NO_TABLES,
  };
}

/** CALL: on the home shard unless its arguments name a sharded or reference table. */
export function planCall(ast: Node, catalog: Catalog): StatementShape {
  const named = collectRangeVars(ast).map((rv) => ({
    schema: typeof rv.schemaname === 'string' ? rv.schemaname : undefined,
    name: String(rv.relname),
  }));
  const placed = named.find((t) => {
    const kind = placementOf(catalog, t).kind;
    return kind === 'sharded' || kind === 'reference';
  });
  return {
    kind: 'utility',
    route: placed
      ? refused(
          `CALL with an argument that reads ${quoted(placed.name)} is not supported: procedures run on one shard`,
          'read the table in a separate statement and pass the values',
        )
      : { type: 'shard', shard: catalog.homeShard },
    writes: true,
    tables: named.map((t) => (t.schema ? `${t.schema}.${t.name}` : t.name)),
  };
}
