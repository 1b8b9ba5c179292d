// AST ↔ SQL text for the scatter planner: deparsing a statement for the shards, and an
// expression's canonical text, which is how the planner tells that two expressions are the same
// (ORDER BY a + 1 names the target a + 1; locations differ, the text does not).
import type { Node } from 'libpg-query';
import { deparseSync } from 'pgsql-deparser';

/** One line of SQL for `node` (a statement or an expression). */
export function sqlText(node: Node): string {
  return deparseSync(node as Parameters<typeof deparseSync>[0], { pretty: false }).trim();
}

/** A deep copy of a parse tree the planner may edit (the cached parse tree is shared). */
export function cloneNode<T>(node: T): T {
  return structuredClone(node);
}

/** `{ ColumnRef: … }` naming `name`: how merge expressions refer to group row columns. */
export function columnRefNode(name: string): Node {
  return { ColumnRef: { fields: [{ String: { sval: name } }] } } as Node;
}
