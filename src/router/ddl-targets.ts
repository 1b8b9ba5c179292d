// Routing schema changes of tables: a change to a sharded or reference table runs on every shard, a
// change to a table the catalog does not name runs on the home shard, where that table lives. A
// statement naming both kinds would fail on the shards lacking the unsharded table, so it is refused.

import type { Node } from 'libpg-query';
import type { Catalog } from '../catalog/catalog.js';
import { nodeBody, stringsOf } from '../sql/ast-nodes.js';
import { writtenName } from '../sql/collect-tables.js';
import { quoted, type RefusedRoute, refused } from './refusals.js';
import type { DdlFollowUp } from './route-plan.js';
import type { StatementShape } from './statement-shape.js';
import { placementOf, type TableName, type TablePlacement } from './table-placement.js';

/** A table a DDL statement names, with where it lives. */
export interface PlacedTable {
  readonly name: TableName;
  readonly placement: TablePlacement;
}

/** Options of `tableDdl`. */
export interface TableDdlOptions {
  /** Lets the statement name unsharded tables with distributed ones and still run everywhere (DROP TABLE). */
  readonly allowMixed?: boolean;
  /** Refuses a change a sharded or reference table cannot take. */
  readonly check?: (table: PlacedTable) => RefusedRoute | undefined;
  /** The follow-up work once the statement ran on every shard. */
  readonly followUp?: (distributed: readonly PlacedTable[]) => DdlFollowUp | undefined;
  readonly kind?: StatementShape['kind'];
  readonly writes?: boolean;
}

/** `RangeVar` bodies (as collectRangeVars finds them) as table names. */
export function rangeVarNames(rangeVars: readonly Record<string, unknown>[]): TableName[] {
  return rangeVars.map((rv) => ({
    schema: typeof rv.schemaname === 'string' ? rv.schemaname : undefined,
    name: typeof rv.relname === 'string' ? rv.relname : '',
  }));
}

/** A qualified name written as a list of String nodes (`DROP TABLE app.t`), as a table name. */
export function listName(node: Node | undefined, dropLast = false): TableName | undefined {
  const parts = stringsOf(nodeBody(node, 'List')?.items);
  if (dropLast) parts.pop();
  const name = parts[parts.length - 1];
  if (name === undefined) return undefined;
  return { schema: parts.length > 1 ? parts[parts.length - 2] : undefined, name };
}

/** Places each name. */
export function placeAll(catalog: Catalog, names: readonly TableName[]): PlacedTable[] {
  return names.map((name) => ({ name, placement: placementOf(catalog, name) }));
}

/** True for a table on every shard (sharded or reference). */
export function isDistributed(table: PlacedTable): boolean {
  return table.placement.kind === 'sharded' || table.placement.kind === 'reference';
}

/** The catalog key of a placed sharded or reference table, else its written name. */
export function tableKey(table: PlacedTable): string {
  return table.placement.kind === 'sharded' || table.placement.kind === 'reference'
    ? table.placement.key
    : writtenName(table.name);
}

/** Routes a DDL statement over the tables it names. */
export function tableDdl(
  catalog: Catalog,
  tables: readonly PlacedTable[],
  options: TableDdlOptions = {},
): StatementShape {
  const kind = options.kind ?? 'ddl';
  const writes = options.writes ?? true;
  const written = tables.map((t) => writtenName(t.name));
  const distributed = tables.filter(isDistributed);
  if (distributed.length === 0) {
    return { kind, route: { type: 'shard', shard: catalog.homeShard }, writes, tables: written };
  }
  const local = tables.find((t) => t.placement.kind === 'unsharded');
  if (local && !options.allowMixed) {
    return {
      kind,
      route: refused(
        `this statement names ${quoted(writtenName(local.name))}, which lives on the home shard ${catalog.homeShard} only, and ${quoted(tableKey(distributed[0] as PlacedTable))}, which lives on every shard`,
        'run one statement for the unsharded tables and one for the sharded and reference tables',
      ),
      writes,
      tables: written,
    };
  }
  for (const table of distributed) {
    const problem = options.check?.(table);
    if (problem) return { kind, route: problem, writes, tables: written };
  }
  const ddl = options.followUp?.(distributed);
  return { kind, route: { type: 'all' }, writes, tables: written, ...(ddl ? { ddl } : {}) };
}

/**
 * Whether table `owner` (being created or altered) may refer to `other` (a foreign key, LIKE,
 * INHERITS or PARTITION OF): the other table must exist with the right rows everywhere the owner
 * lives, so an unsharded table may not refer to a sharded one, a sharded table only to reference or
 * co-located sharded tables, a reference table only to reference tables.
 */
export function referenceProblem(owner: PlacedTable, other: PlacedTable): RefusedRoute | undefined {
  const o = owner.placement;
  const t = other.placement;
  const ownerName = quoted(tableKey(owner));
  const otherName = quoted(tableKey(other));
  if (t.kind === 'system' || t.kind === 'reference') return undefined;
  if (o.kind === 'unsharded' || o.kind === 'system') {
    if (t.kind !== 'sharded') return undefined;
    return refused(
      `unsharded table ${ownerName} cannot refer to sharded table ${otherName}: the home shard holds only part of its rows`,
      `shard ${ownerName} co-located with ${otherName}, or make ${otherName} a reference table`,
    );
  }
  if (o.kind === 'reference') {
    return refused(
      `reference table ${ownerName} cannot refer to ${t.kind} table ${otherName}: every shard holds all of ${ownerName} but not all of ${otherName}`,
      `make ${otherName} a reference table too`,
    );
  }
  if (t.kind === 'unsharded') {
    return refused(
      `sharded table ${ownerName} cannot refer to unsharded table ${otherName}, which lives on the home shard only`,
      `make ${otherName} a reference table, or shard it co-located with ${ownerName}`,
    );
  }
  if (t.group !== o.group) {
    return refused(
      `sharded table ${ownerName} cannot refer to ${otherName}: they are not co-located, so matching rows may sit on different shards`,
      `co-locate ${ownerName} with ${otherName} (colocateWith in the catalog)`,
    );
  }
  return undefined;
}
