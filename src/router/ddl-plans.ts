// Plans for schema changes. Table-bound statements follow the tables they name (ddl-targets.ts);
// indexes, sequences, types, functions, schemas and extensions are shared definitions created on
// every shard; views live on the home shard with the unsharded tables; cluster-level objects
// (databases, tablespaces, publications) are refused.
import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { nodeBody, nodeTag } from '../sql/ast-nodes.js';
import { writtenName } from '../sql/collect-tables.js';
import { collectRangeVars } from '../sql/walk-nodes.js';
import { alterTableProblem, createTableProblem, indexProblem, keyColumnChange } from './ddl-checks.js';
import { CLUSTER_LEVEL, SHARED_DEFINITIONS } from './ddl-statement-kinds.js';
import {
  listName,
  type PlacedTable,
  placeAll,
  rangeVarNames,
  referenceProblem,
  type TableDdlOptions,
  tableDdl,
  tableKey,
} from './ddl-targets.js';
import { quoted, type RefusedRoute, refused } from './refusals.js';
import type { StatementShape } from './statement-shape.js';
import { planView } from './view-plans.js';

const TABLE_TYPES = new Set(['OBJECT_TABLE', 'OBJECT_FOREIGN_TABLE']);
const TABLE_PART_TYPES = new Set([
  'OBJECT_COLUMN',
  'OBJECT_TRIGGER',
  'OBJECT_POLICY',
  'OBJECT_RULE',
  'OBJECT_TABCONSTRAINT',
]);
const VIEW_TYPES = new Set(['OBJECT_VIEW', 'OBJECT_MATVIEW']);

/** The plan of a schema change, or undefined when `ast` is not one. */
export function planDdl(ast: Node, catalog: Catalog): StatementShape | undefined {
  const tag = nodeTag(ast);
  if (SHARED_DEFINITIONS.has(tag)) return sharedDefinition(ast);
  const serverLevel = Object.hasOwn(CLUSTER_LEVEL, tag) ? CLUSTER_LEVEL[tag] : undefined;
  if (serverLevel !== undefined) {
    return ddl(
      refused(
        `${serverLevel} acts on a whole server or its replication, not on one database: Switchyard does not run it on the shards`,
        'run it on each PostgreSQL server directly',
      ),
    );
  }
  const all = placeAll(catalog, rangeVarNames(collectRangeVars(ast)));
  switch (tag) {
    case 'CreateStmt':
    case 'CreateForeignTableStmt':
      return createTable(ast, catalog, all);
    case 'AlterTableStmt': {
      const stmt = nodeBody(ast, 'AlterTableStmt');
      const type = stmt?.objtype ?? 'OBJECT_TABLE';
      if (VIEW_TYPES.has(type)) return ddl({ type: 'shard', shard: catalog.homeShard });
      if (!TABLE_TYPES.has(type)) return ddl({ type: 'all' });
      return ownerDdl(catalog, all, (t) =>
        t.placement.kind === 'sharded'
          ? alterTableProblem(stmt?.cmds, tableKey(t), t.placement.rule)
          : undefined,
      );
    }
    case 'IndexStmt': {
      const stmt = nodeBody(ast, 'IndexStmt');
      return tableDdl(catalog, all, {
        check: (t) =>
          t.placement.kind === 'sharded' && stmt
            ? indexProblem(stmt, tableKey(t), t.placement.rule)
            : undefined,
      });
    }
    case 'TruncateStmt':
      return tableDdl(catalog, all);
    case 'CreateTrigStmt':
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
    case 'RuleStmt':
    case 'CreateStatsStmt':
      return tableDdl(catalog, all);
    case 'VacuumStmt':
    case 'ClusterStmt':
    case 'ReindexStmt':
      // Without a table these act on every table of the database, and an index name does not say
      // whose index it is: every shard.
      if (all.length === 0 || nodeBody(ast, 'ReindexStmt')?.kind === 'REINDEX_OBJECT_INDEX') {
        return { kind: 'utility', route: { type: 'all' }, writes: false, tables: [] };
      }
      return tableDdl(catalog, all, { kind: 'utility', writes: false });
    case 'RenameStmt':
      return rename(ast, catalog, all);
    case 'AlterObjectSchemaStmt': {
      const stmt = nodeBody(ast, 'AlterObjectSchemaStmt');
      return byObjectType(stmt?.objectType, catalog, all, (t) =>
        refused(
          `moving ${quoted(tableKey(t))} to another schema would change the name the catalog knows it by`,
          'create the table in the new schema and copy the rows',
        ),
      );
    }
    case 'CommentStmt': {
      const stmt = nodeBody(ast, 'CommentStmt');
      const type = stmt?.objtype;
      const dropLast = type !== undefined && TABLE_PART_TYPES.has(type);
      const name =
        type !== undefined && (TABLE_TYPES.has(type) || dropLast)
          ? listName(stmt?.object, dropLast)
          : undefined;
      return byObjectType(dropLast ? 'OBJECT_TABLE' : type, catalog, name ? placeAll(catalog, [name]) : []);
    }
    case 'GrantStmt': {
      const stmt = nodeBody(ast, 'GrantStmt');
      if (stmt?.targtype !== 'ACL_TARGET_OBJECT' || !TABLE_TYPES.has(stmt.objtype ?? ''))
        return sharedDefinition(ast);
      return tableDdl(catalog, all);
    }
    case 'DropStmt':
      return drop(ast, catalog);
    case 'ViewStmt':
    case 'CreateTableAsStmt':
    case 'RefreshMatViewStmt':
      return planView(ast, catalog);
    default:
      return undefined;
  }
}

function ddl(route: StatementShape['route'], tables: readonly string[] = []): StatementShape {
  return { kind: 'ddl', route, writes: true, tables };
}

function sharedDefinition(ast: Node): StatementShape {
  const schema = nodeBody(ast, 'CreateSchemaStmt');
  if ((schema?.schemaElts?.length ?? 0) > 0) {
    return ddl(
      refused(
        'CREATE SCHEMA with the objects to create in it is not supported',
        'create the schema, then each object in its own statement',
      ),
    );
  }
  return ddl({ type: 'all' });
}

function referenceProblems(owner: PlacedTable, others: readonly PlacedTable[]) {
  for (const other of others) {
    const problem = referenceProblem(owner, other);
    if (problem) return problem;
  }
  return undefined;
}

// The statement's own relation comes first among its relations; the rest are tables it refers to
// (foreign keys, LIKE, INHERITS, PARTITION OF), which must exist wherever the owner lives. The
// statement runs where the owner lives.
function ownerDdl(
  catalog: Catalog,
  all: readonly PlacedTable[],
  check: (owner: PlacedTable) => RefusedRoute | undefined,
  followUp?: TableDdlOptions['followUp'],
): StatementShape {
  const [owner, ...others] = all;
  const tables = all.map((t) => writtenName(t.name));
  if (!owner) return ddl(refused('a table statement without a table name'), tables);
  const problem = referenceProblems(owner, others) ?? check(owner);
  if (problem) return ddl(problem, tables);
  return { ...tableDdl(catalog, [owner], followUp ? { followUp } : {}), tables };
}

function createTable(ast: Node, catalog: Catalog, all: readonly PlacedTable[]): StatementShape {
  const stmt = nodeBody(ast, 'CreateStmt') ?? nodeBody(ast, 'CreateForeignTableStmt')?.base;
  return ownerDdl(
    catalog,
    all,
    (t) =>
      t.placement.kind === 'sharded'
        ? createTableProblem(stmt?.tableElts, tableKey(t), t.placement.rule)
        : undefined,
    ([table]) => {
      if (!table) return undefined;
      const key = tableKey(table);
      const rule = table.placement.kind === 'sharded' ? table.placement.rule : undefined;
      // Only PostgreSQL's own hash can be computed by the shard in a CHECK constraint.
      const checked = rule?.resolver.type === 'hash' && rule.hasher === 'postgres';
      return checked ? { createdTable: key, checkTable: key } : { createdTable: key };
    },
  );
}

function rename(ast: Node, catalog: Catalog, all: readonly PlacedTable[]): StatementShape {
  const stmt = nodeBody(ast, 'RenameStmt');
  const type = stmt?.renameType;
  if (type === 'OBJECT_COLUMN' && !VIEW_TYPES.has(stmt?.relationType ?? '')) {
    return tableDdl(catalog, all, {
      check: (t) =>
        t.placement.kind === 'sharded'
          ? keyColumnChange(stmt?.subname, tableKey(t), t.placement.rule, 'renaming')
          : undefined,
    });
  }
  if (type !== undefined && TABLE_PART_TYPES.has(type)) return tableDdl(catalog, all);
  return byObjectType(type, catalog, all, (t) =>
    refused(
      `renaming ${quoted(tableKey(t))} would leave the catalog naming a table that no longer exists`,
      'create a table with the new name and copy the rows, then change the catalog',
    ),
  );
}

// Tables follow their placement (with `distributedProblem` refusing the change for sharded and
// reference ones), views live on the home shard, anything else is a shared definition.
function byObjectType(
  type: string | undefined,
  catalog: Catalog,
  tables: readonly PlacedTable[],
  distributedProblem?: (table: PlacedTable) => ReturnType<typeof refused>,
): StatementShape {
  if (type !== undefined && TABLE_TYPES.has(type))
    return tableDdl(catalog, tables, { check: distributedProblem });
  if (type !== undefined && VIEW_TYPES.has(type)) return ddl({ type: 'shard', shard: catalog.homeShard });
  return ddl({ type: 'all' });
}

function drop(ast: Node, catalog: Catalog): StatementShape {
  const stmt = nodeBody(ast, 'DropStmt');
  const type = stmt?.removeType;
  if (type !== undefined && (TABLE_TYPES.has(type) || TABLE_PART_TYPES.has(type))) {
    const names = (stmt?.objects ?? [])
      .map((o) => listName(o, !TABLE_TYPES.has(type)))
      .filter((n) => n !== undefined);
    const tables = placeAll(catalog, names);
    return tableDdl(catalog, tables, {
      allowMixed: TABLE_TYPES.has(type),
      followUp: (distributed) =>
        TABLE_TYPES.has(type) ? { droppedTables: distributed.map(tableKey) } : undefined,
    });
  }
  if (type !== undefined && VIEW_TYPES.has(type)) return ddl({ type: 'shard', shard: catalog.homeShard });
  return ddl({ type: 'all' });
}
