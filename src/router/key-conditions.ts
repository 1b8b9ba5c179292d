// What a condition says about shard keys: which key columns it pins to known values (`id = $1`,
// `id IN (1, 2)`, OR-ed equalities) and which key columns it equates (`o.user_id = u.id`). Pins
// combine as the logic does: a conjunction pins what any part pins; a disjunction pins a column
// only when every branch does, to the union of their values.
import type { A_Expr, Node } from 'libpg-query';
import type { KeyType } from '../keyspace/key-type.js';
import { nodeBody, stringsOf } from '../sql/ast-nodes.js';
import type { QueryScope, TableEntry } from '../sql/query-scope.js';
import { type ColumnMention, castKeepsKey, columnOf, keySourceOf } from './key-expressions.js';
import type { KeySource } from './route-plan.js';

/** A shard key column of one table entry. */
export interface KeyColumn {
  readonly id: string;
  readonly entry: TableEntry;
  readonly column: string;
}

/** The values a key column is pinned to: the row's key is one of them. */
export interface Pin {
  readonly column: KeyColumn;
  readonly sources: readonly KeySource[];
}

/** What the conditions need to know about tables: their key columns and types. */
export interface KeyColumnLookup {
  /** Shard key columns of a sharded table entry; undefined for any other entry. */
  keyColumns(entry: TableEntry): readonly string[] | undefined;
  /** The type of a key column when the catalog knows it. */
  keyType(entry: TableEntry, column: string): KeyType | undefined;
  /** A stable id for the entry's column (same entry and column, same id). */
  columnId(entry: TableEntry, column: string): string;
}

/**
 * The key column a mention refers to, or undefined when it is not (provably) a shard key column.
 * `t.col` looks `t` up level by level, innermost first, as PostgreSQL does (a subquery or CTE alias
 * hides an outer table); an unqualified column counts only when exactly one table of the level has a
 * key column of that name, since PostgreSQL would reject it as ambiguous otherwise.
 */
export function resolveKeyColumn(
  mention: ColumnMention,
  scope: QueryScope,
  lookup: KeyColumnLookup,
): KeyColumn | undefined {
  const fields = mention.fields;
  let entry: TableEntry | undefined;
  const column = fields[fields.length - 1] ?? '';
  if (fields.length === 1) {
    if (scope.entries.some((e) => e.renamesColumns)) return undefined;
    const candidates = scope.entries.filter((e) => lookup.keyColumns(e)?.includes(column));
    if (candidates.length !== 1) return undefined;
    entry = candidates[0];
  } else if (fields.length === 2) {
    const qualifier = fields[0] ?? '';
    for (let s: QueryScope | undefined = scope; s && entry === undefined; s = s.parent) {
      const named = s.names.get(qualifier);
      if (named === 'other') return undefined;
      entry = named;
    }
  } else if (fields.length === 3) {
    const [schema, table] = fields;
    for (let s: QueryScope | undefined = scope; s && entry === undefined; s = s.parent) {
      entry = s.entries.find(
        (e) => e.alias === undefined && e.name === table && (e.schema ?? 'public') === schema,
      );
    }
  }
  if (!entry || entry.renamesColumns || !lookup.keyColumns(entry)?.includes(column)) return undefined;
  if (!castKeepsKey(mention.cast, lookup.keyType(entry, column))) return undefined;
  return { id: lookup.columnId(entry, column), entry, column };
}

/** The key columns `expr` pins, by column id. */
export function conditionPins(expr: Node, scope: QueryScope, lookup: KeyColumnLookup): Map<string, Pin> {
  const bool = nodeBody(expr, 'BoolExpr');
  if (bool) {
    const parts = (bool.args ?? []).map((arg) => conditionPins(arg, scope, lookup));
    if (bool.boolop === 'AND_EXPR') return conjunction(parts);
    if (bool.boolop === 'OR_EXPR') return disjunction(parts);
    return new Map();
  }
  const op = nodeBody(expr, 'A_Expr');
  if (!op || !isEquality(op)) return new Map();
  const pins = new Map<string, Pin>();
  const add = (column: KeyColumn | undefined, sources: KeySource[] | undefined) => {
    if (column && sources && sources.length > 0) pins.set(column.id, { column, sources });
  };
  if (op.kind === 'AEXPR_IN') {
    const items = nodeBody(op.rexpr, 'List')?.items ?? [];
    add(mentioned(op.lexpr, scope, lookup), allSources(items));
    return pins;
  }
  if (op.kind === 'AEXPR_OP_ANY') {
    const array = nodeBody(op.rexpr, 'A_ArrayExpr');
    add(mentioned(op.lexpr, scope, lookup), array ? allSources(array.elements ?? []) : undefined);
    return pins;
  }
  const pairs = rowPairs(op.lexpr, op.rexpr);
  const parts = pairs.map(([left, right]) => {
    const one = new Map<string, Pin>();
    for (const [colSide, valueSide] of [
      [left, right],
      [right, left],
    ] as const) {
      const column = mentioned(colSide, scope, lookup);
      const source = keySourceOf(valueSide);
      if (column && source) one.set(column.id, { column, sources: [source] });
    }
    return one;
  });
  return conjunction(parts);
}

/** The pairs of key columns the top-level conjuncts of `expr` equate (`a.k = b.k`). */
export function conditionEqualities(
  expr: Node,
  scope: QueryScope,
  lookup: KeyColumnLookup,
): [KeyColumn, KeyColumn][] {
  const out: [KeyColumn, KeyColumn][] = [];
  for (const conjunct of conjuncts(expr)) {
    const op = nodeBody(conjunct, 'A_Expr');
    if (!op || !isEquality(op) || (op.kind !== 'AEXPR_OP' && op.kind !== 'AEXPR_NOT_DISTINCT')) continue;
    for (const [left, right] of rowPairs(op.lexpr, op.rexpr)) {
      const a = mentioned(left, scope, lookup);
      const b = mentioned(right, scope, lookup);
      if (a && b) out.push([a, b]);
    }
  }
  return out;
}

function conjuncts(expr: Node): Node[] {
  const bool = nodeBody(expr, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return [expr];
}

function isEquality(op: A_Expr): boolean {
  const name = stringsOf(op.name);
  if (name.length > 2 || (name.length === 2 && name[0] !== 'pg_catalog') || name[name.length - 1] !== '=') {
    return false;
  }
  return (
    op.kind === 'AEXPR_OP' ||
    op.kind === 'AEXPR_NOT_DISTINCT' ||
    op.kind === 'AEXPR_IN' ||
    op.kind === 'AEXPR_OP_ANY'
  );
}

// `(a, b) = (1, 2)` compares element by element; anything else is one pair.
function rowPairs(left: Node | undefined, right: Node | undefined): [Node | undefined, Node | undefined][] {
  const l = nodeBody(left, 'RowExpr')?.args;
  const r = nodeBody(right, 'RowExpr')?.args;
  if (l && r && l.length === r.length) return l.map((arg, i) => [arg, r[i]]);
  return [[left, right]];
}

function mentioned(
  node: Node | undefined,
  scope: QueryScope,
  lookup: KeyColumnLookup,
): KeyColumn | undefined {
  const mention = columnOf(node);
  return mention ? resolveKeyColumn(mention, scope, lookup) : undefined;
}

function allSources(items: readonly Node[]): KeySource[] | undefined {
  const sources: KeySource[] = [];
  for (const item of items) {
    const source = keySourceOf(item);
    if (!source) return undefined;
    sources.push(source);
  }
  return dedupe(sources);
}

// Rows satisfying a conjunction satisfy each part, so any part's values cover them; keep the fewest.
function conjunction(parts: readonly Map<string, Pin>[]): Map<string, Pin> {
  const out = new Map<string, Pin>();
  for (const part of parts) {
    for (const [id, pin] of part) {
      const known = out.get(id);
      if (!known || pin.sources.length < known.sources.length) out.set(id, pin);
    }
  }
  return out;
}

function disjunction(parts: readonly Map<string, Pin>[]): Map<string, Pin> {
  const [first, ...rest] = parts;
  const out = new Map<string, Pin>();
  if (!first) return out;
  for (const [id, pin] of first) {
    if (!rest.every((p) => p.has(id))) continue;
    const sources = [...pin.sources, ...rest.flatMap((p) => p.get(id)?.sources ?? [])];
    out.set(id, { column: pin.column, sources: dedupe(sources) });
  }
  return out;
}

/** Drops repeated key sources (the same literal or the same parameter). */
export function dedupe(sources: readonly KeySource[]): KeySource[] {
  const seen = new Set<string>();
  return sources.filter((source) => {
    const id =
      source.kind === 'param' ? `$${source.index}` : source.value === null ? 'null' : `'${source.value}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
