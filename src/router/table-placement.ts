// Where a table named in SQL lives, by the catalog: split by a shard key, copied to every shard, one
// of PostgreSQL's own catalog relations, or (not named by the catalog) unsharded on the home shard.
import type { Catalog, ShardedTableRule } from '../catalog/catalog.js';
import { isCatalogRelation } from '../sql/catalog-relations.js';

/** A table's placement, with its catalog name when the catalog names it. */
export type TablePlacement =
  | {
      readonly kind: 'sharded';
      /** The catalog's key for the table (`users`, `app.orders`). */
      readonly key: string;
      readonly rule: ShardedTableRule;
      /** The co-location group: the catalog key at the end of the colocateWith chain. */
      readonly group: string;
    }
  | { readonly kind: 'reference'; readonly key: string }
  | { readonly kind: 'system' }
  | { readonly kind: 'unsharded' };

/** A table as SQL names it: unqualified names are in `public` (the default search path). */
export interface TableName {
  readonly schema: string | undefined;
  readonly name: string;
}

/**
 * The catalog key of the table SQL names, or undefined when the catalog does not name it. The
 * catalog keys tables in `public` by bare name or as `public.name`, others as `schema.name`; SQL
 * names arrive case-folded already (quoted identifiers keep their case).
 */
export function catalogKeyOf(catalog: Catalog, table: TableName): string | undefined {
  const tables = catalog.tables;
  if (table.schema === undefined || table.schema === 'public') {
    if (Object.hasOwn(tables, table.name)) return table.name;
    const qualified = `public.${table.name}`;
    return Object.hasOwn(tables, qualified) ? qualified : undefined;
  }
  const qualified = `${table.schema}.${table.name}`;
  return Object.hasOwn(tables, qualified) ? qualified : undefined;
}

/** The catalog key a `colocateWith` value or any table name string refers to. */
export function catalogKeyOfName(catalog: Catalog, name: string): string | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) return catalogKeyOf(catalog, { schema: undefined, name });
  return catalogKeyOf(catalog, { schema: name.slice(0, dot), name: name.slice(dot + 1) });
}

/** Where `table` lives. */
export function placementOf(catalog: Catalog, table: TableName): TablePlacement {
  const key = catalogKeyOf(catalog, table);
  if (key === undefined) return isCatalogRelation(table) ? { kind: 'system' } : { kind: 'unsharded' };
  const rule = catalog.tables[key];
  if (rule?.kind === 'sharded') return { kind: 'sharded', key, rule, group: colocationGroup(catalog, key) };
  return { kind: 'reference', key };
}

/**
 * The co-location group of a sharded table: follow colocateWith to the table that names no partner.
 * Tables are co-located only when their chains meet; equal hashers and key types alone do not make
 * two tables co-located, since nothing keeps their placements equal.
 */
export function colocationGroup(catalog: Catalog, key: string): string {
  const seen = new Set<string>();
  let current = key;
  for (;;) {
    seen.add(current);
    const rule = catalog.tables[current];
    const partner = rule?.kind === 'sharded' ? rule.colocateWith : undefined;
    if (partner === undefined) return current;
    const next = catalogKeyOfName(catalog, partner) ?? partner;
    // A cycle cannot pass validation; stop at the smallest name so every member agrees.
    if (seen.has(next)) return [...seen].sort()[0] ?? current;
    current = next;
  }
}
