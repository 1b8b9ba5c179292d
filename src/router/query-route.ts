// The route of a query (SELECT, INSERT, UPDATE, DELETE, at any nesting): one shard when every
// sharded table it touches is restricted to keys of one co-location group; the home shard when it
// touches tables the catalog does not name or PostgreSQL's own catalog (the home shard has every
// table, so psql's \d sees them all); any shard for reference tables and plain expressions; refused
// otherwise, with what would make it work.
import type { Catalog } from '../catalog/catalog.js';
import { functionEffect } from '../sql/catalog-relations.js';
import type { QueryAnalysis, TableEntry } from '../sql/query-scope.js';
import { insertKeyTuples } from './insert-keys.js';
import type { KeyColumnLookup } from './key-conditions.js';
import { restrictEntries } from './key-restrictions.js';
import {
  crossShardRead,
  crossShardWrite,
  keyCondition,
  quoted,
  referenceWrite,
  refused,
} from './refusals.js';
import type { KeySource, Route } from './route-plan.js';
import { placementOf, type TablePlacement } from './table-placement.js';

type Sharded = Extract<TablePlacement, { kind: 'sharded' }>;

const VERBS: Readonly<Record<TableEntry['role'], string>> = {
  read: 'SELECT',
  insert: 'INSERT',
  update: 'UPDATE',
  delete: 'DELETE',
  merge: 'MERGE',
};

/**
 * Routes an analyzed query under `catalog`.
 *
 * @example
 *   routeQuery(analyzeQuery(ast of 'SELECT * FROM users WHERE id = $1'), catalog);
 *   // { type: 'shard-key', table: 'users', keys: [[{ kind: 'param', index: 1 }]] }
 */
export function routeQuery(analysis: QueryAnalysis, catalog: Catalog): Route {
  const unsupported = analysis.unsupported[0];
  if (unsupported !== undefined) return unsupportedConstruct(unsupported);
  const placements = new Map<TableEntry, TablePlacement>();
  for (const entry of analysis.tables) placements.set(entry, placementOf(catalog, entry));
  const sharded = analysis.tables.filter((e) => placements.get(e)?.kind === 'sharded');
  const unsharded = analysis.tables.filter((e) => placements.get(e)?.kind === 'unsharded');
  const fixed = new Map<TableEntry, KeySource[][]>();
  for (const scope of analysis.scopes) {
    const target = scope.target;
    const placement = target && placements.get(target);
    if (!target || !placement) continue;
    if (placement.kind === 'reference') return referenceWrite(placement.key);
    if (placement.kind !== 'sharded') continue;
    const key = placement.rule.shardKey;
    const setKey = [...scope.setColumns, ...(scope.insert?.conflictSets ?? [])].find((c) => key.includes(c));
    if (setKey !== undefined) {
      return refused(
        `updating the shard key moves the row to another shard: delete and re-insert it (${quoted(placement.key)}.${quoted(setKey)} cannot be SET)`,
        `DELETE the row, then INSERT it with the new ${setKey}`,
      );
    }
    if (scope.insert) {
      const tuples = insertKeyTuples(scope.insert, placement.key, placement.rule);
      if (!Array.isArray(tuples)) return tuples;
      fixed.set(target, tuples);
    }
  }
  if (sharded.length === 0) {
    if (unsharded.length > 0 || analysis.tables.some((e) => placements.get(e)?.kind === 'system')) {
      return { type: 'shard', shard: catalog.homeShard };
    }
    // Reference tables and plain expressions answer the same everywhere, unless a function has an
    // effect that lives in one database (a sequence, a lock) or may do anything (a user's function).
    const effects = analysis.functions.map(functionEffect);
    return effects.some((e) => e !== 'none') ? { type: 'shard', shard: catalog.homeShard } : { type: 'any' };
  }
  const [firstUnsharded] = unsharded;
  const firstSharded = sharded[0] as TableEntry;
  const firstPlacement = placements.get(firstSharded) as Sharded;
  if (firstUnsharded) {
    return refused(
      `this statement uses ${quoted(firstUnsharded.name)}, which the catalog does not name (an unsharded table on the home shard ${catalog.homeShard} only), together with sharded table ${quoted(firstPlacement.key)}`,
      `shard ${quoted(firstUnsharded.name)} co-located with ${quoted(firstPlacement.key)}, or make it a reference table`,
    );
  }
  const stranger = sharded.find((e) => (placements.get(e) as Sharded).group !== firstPlacement.group);
  if (stranger) {
    const other = placements.get(stranger) as Sharded;
    return refused(
      `${quoted(firstPlacement.key)} and ${quoted(other.key)} are not co-located, so rows that match may sit on different shards: cross-shard joins are not supported yet`,
      `co-locate the tables (colocateWith in the catalog) and join them on the shard key, or make one of them a reference table`,
    );
  }
  const lookup = keyLookup((entry) => placements.get(entry));
  const restricted = restrictEntries(analysis, sharded, lookup, fixed);
  const loose = sharded.find((e) => restricted.get(e) === undefined);
  if (loose) return looseRefusal(loose, sharded, restricted, placements);
  const target = analysis.scopes.map((s) => s.target).find((t) => t && placements.get(t)?.kind === 'sharded');
  const table = (placements.get(target ?? firstSharded) as Sharded).key;
  return { type: 'shard-key', table, keys: uniqueTuples(sharded.flatMap((e) => restricted.get(e) ?? [])) };
}

/**
 * Looks up the shard key columns and types of a query's table entries, given where each entry's
 * table is placed (the single-shard planner's map, or the catalog for scatter plans).
 */
export function keyLookup(placementOf: (entry: TableEntry) => TablePlacement | undefined): KeyColumnLookup {
  const ids = new Map<TableEntry, number>();
  const rule = (entry: TableEntry) => {
    const placement = placementOf(entry);
    return placement?.kind === 'sharded' ? placement.rule : undefined;
  };
  return {
    keyColumns: (entry) => rule(entry)?.shardKey,
    keyType: (entry, column) => {
      const r = rule(entry);
      return r?.keyTypes?.[r.shardKey.indexOf(column)];
    },
    columnId: (entry, column) => {
      let id = ids.get(entry);
      if (id === undefined) {
        id = ids.size;
        ids.set(entry, id);
      }
      return `${id}.${column}`;
    },
  };
}

function looseRefusal(
  loose: TableEntry,
  sharded: readonly TableEntry[],
  restricted: ReadonlyMap<TableEntry, KeySource[][] | undefined>,
  placements: ReadonlyMap<TableEntry, TablePlacement>,
): Route {
  const placement = placements.get(loose) as Sharded;
  const key = placement.rule.shardKey;
  if (loose.role === 'update' || loose.role === 'delete')
    return crossShardWrite(VERBS[loose.role], placement.key, key);
  const statement = VERBS[loose.scope.kind === 'select' ? rootRole(loose) : loose.scope.kind];
  const anchor = sharded.find((e) => restricted.get(e) !== undefined);
  if (!anchor) return crossShardRead(placement.key, key, statement);
  const anchorKey = (placements.get(anchor) as Sharded).rule.shardKey;
  const join = key
    .map((c, i) => `${loose.refName}.${c} = ${anchor.refName}.${anchorKey[i] ?? c}`)
    .join(' AND ');
  return refused(
    `this ${statement} reads every shard of ${quoted(placement.key)}: neither WHERE nor a join on the shard key pins its key (cross-shard joins are not supported yet)`,
    `add ${keyCondition(key, loose.refName)} to WHERE, or join on the shard key (${join}) with an inner join`,
  );
}

// The statement a read sits in: the outermost scope's kind names it (a SELECT inside an UPDATE is
// part of that UPDATE).
function rootRole(entry: TableEntry): TableEntry['role'] {
  let scope = entry.scope;
  while (scope.parent) scope = scope.parent;
  return scope.kind === 'select' ? 'read' : scope.kind;
}

function uniqueTuples(tuples: readonly KeySource[][]): KeySource[][] {
  const seen = new Set<string>();
  const out: KeySource[][] = [];
  for (const tuple of tuples) {
    const id = JSON.stringify(tuple);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(tuple);
  }
  return out;
}

function unsupportedConstruct(construct: string): Route {
  switch (construct) {
    case 'MERGE':
      return refused(
        'MERGE is not supported yet',
        'use INSERT … ON CONFLICT, UPDATE or DELETE with the shard key in WHERE',
      );
    case 'WHERE CURRENT OF':
      return refused(
        'cursors are not supported yet (WHERE CURRENT OF)',
        'UPDATE or DELETE by the shard key and primary key',
      );
    case 'SELECT INTO':
      return refused('SELECT INTO inside another statement is not supported', 'use CREATE TABLE … AS');
    default:
      return refused(`${construct} in a query is not supported yet`);
  }
}
