// Which shard key values each sharded table of a query can need rows for. Pins restrict the tables
// they filter; equalities of key columns carry a restriction from one table to another: both ways
// when the condition filters both (WHERE, inner joins), one way when it filters only one (an outer
// join's nullable side, a subquery correlated with an outer table). A table is restricted when every
// key column reaches a pin; then it needs rows of those keys only, which live on their shards.
import type { QueryAnalysis, QueryScope, ScopeCondition, TableEntry } from '../sql/query-scope.js';
import {
  conditionEqualities,
  conditionPins,
  dedupe,
  type KeyColumn,
  type KeyColumnLookup,
} from './key-conditions.js';
import type { KeySource } from './route-plan.js';

/** Key tuples beyond this (a cross product of IN lists on a multi-column key) are not enumerated. */
const MAX_KEY_TUPLES = 4096;

/**
 * The keys each of `entries` is restricted to (one KeySource per key column in each tuple), or
 * undefined for an entry that may need rows of any key. `fixed` gives entries whose keys are known
 * outright: the rows of an INSERT.
 */
export function restrictEntries(
  analysis: QueryAnalysis,
  entries: readonly TableEntry[],
  lookup: KeyColumnLookup,
  fixed: ReadonlyMap<TableEntry, readonly (readonly KeySource[])[]> = new Map(),
): Map<TableEntry, KeySource[][] | undefined> {
  const graph = new KeyGraph();
  for (const scope of analysis.scopes) addScope(graph, scope, lookup);
  for (const [entry, tuples] of fixed) {
    lookup.keyColumns(entry)?.forEach((column, i) => {
      const sources = dedupe(tuples.map((t) => t[i]).filter((s) => s !== undefined));
      graph.pin(lookup.columnId(entry, column), sources);
    });
  }
  const reached = graph.restrictions();
  const out = new Map<TableEntry, KeySource[][] | undefined>();
  for (const entry of entries) {
    const known = fixed.get(entry);
    if (known) {
      out.set(
        entry,
        known.map((t) => [...t]),
      );
      continue;
    }
    const columns = lookup.keyColumns(entry) ?? [];
    const perColumn = columns.map((c) => reached.get(graph.find(lookup.columnId(entry, c))));
    out.set(entry, product(perColumn));
  }
  return out;
}

function addScope(graph: KeyGraph, scope: QueryScope, lookup: KeyColumnLookup): void {
  for (const condition of scope.conditions) {
    const filters = filterTest(condition.filtered, scope);
    for (const [a, b] of conditionEqualities(condition.expr, scope, lookup)) graph.equate(a, b, filters);
    for (const pin of conditionPins(condition.expr, scope, lookup).values()) {
      if (filters(pin.column.entry)) graph.pin(pin.column.id, pin.sources);
    }
  }
  for (const using of scope.usings) {
    const filters = filterTest(using.filtered, scope);
    for (const column of using.columns) {
      const left = using.left.filter((e) => lookup.keyColumns(e)?.includes(column));
      const right = using.right.filter((e) => lookup.keyColumns(e)?.includes(column));
      const [l] = left;
      const [r] = right;
      if (left.length !== 1 || right.length !== 1 || !l || !r) continue;
      graph.equate(
        { id: lookup.columnId(l, column), entry: l, column },
        { id: lookup.columnId(r, column), entry: r, column },
        filters,
      );
    }
  }
}

function filterTest(filtered: ScopeCondition['filtered'], scope: QueryScope): (entry: TableEntry) => boolean {
  if (filtered === 'scope') return (entry) => entry.scope === scope;
  const set = new Set(filtered);
  return (entry) => set.has(entry);
}

function product(perColumn: readonly (readonly KeySource[] | undefined)[]): KeySource[][] | undefined {
  let tuples: KeySource[][] = [[]];
  for (const sources of perColumn) {
    if (!sources) return undefined;
    if (tuples.length * sources.length > MAX_KEY_TUPLES) return undefined;
    tuples = tuples.flatMap((t) => sources.map((s) => [...t, s]));
  }
  return perColumn.length === 0 ? undefined : tuples;
}

/** Union-find over key columns, with one-way edges between classes and pins on them. */
class KeyGraph {
  private readonly parent = new Map<string, string>();
  private readonly pins = new Map<string, readonly KeySource[]>();
  private readonly edges: [string, string][] = [];

  find(id: string): string {
    let root = id;
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root))
      root = up;
    // Path compression keeps later finds short.
    for (let at = id; at !== root; ) {
      const up = this.parent.get(at) ?? root;
      this.parent.set(at, root);
      at = up;
    }
    return root;
  }

  /** `a = b`: merged when the condition filters both, one-way toward the filtered side otherwise. */
  equate(a: KeyColumn, b: KeyColumn, filters: (entry: TableEntry) => boolean): void {
    const fa = filters(a.entry);
    const fb = filters(b.entry);
    if (fa && fb) this.parent.set(this.find(a.id), this.find(b.id));
    else if (fb) this.edges.push([a.id, b.id]);
    else if (fa) this.edges.push([b.id, a.id]);
  }

  pin(id: string, sources: readonly KeySource[]): void {
    if (sources.length === 0) return;
    const known = this.pins.get(id);
    if (!known || sources.length < known.length) this.pins.set(id, sources);
  }

  /** The keys each restricted class (by root) is restricted to. */
  restrictions(): Map<string, readonly KeySource[]> {
    const reached = new Map<string, readonly KeySource[]>();
    for (const [id, sources] of this.pins) {
      const root = this.find(id);
      const known = reached.get(root);
      if (!known || sources.length < known.length) reached.set(root, sources);
    }
    const next = new Map<string, string[]>();
    for (const [from, to] of this.edges) {
      const a = this.find(from);
      const list = next.get(a) ?? [];
      list.push(this.find(to));
      next.set(a, list);
    }
    const queue = [...reached.keys()];
    while (queue.length > 0) {
      const at = queue.shift() as string;
      const sources = reached.get(at) as readonly KeySource[];
      for (const to of next.get(at) ?? []) {
        if (reached.has(to)) continue;
        reached.set(to, sources);
        queue.push(to);
      }
    }
    return reached;
  }
}
