// Small readers for libpg-query's parse trees. A node is an object with one key, its type name
// (`{ SelectStmt: {…} }`); fields typed as one node type hold the body directly (`relation`,
// `withClause`, a set operation's `larg`). These helpers keep that shape in one place.
import type { A_Const, Node } from 'libpg-query';

/** The type name of a node: `SelectStmt`, `A_Const`, … */
export function nodeTag(node: Node): string {
  for (const key in node) return key;
  return '';
}

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/** The name of any node type. */
export type NodeTag = KeysOfUnion<Node> & string;

/** The body type of the node type `K` (`NodeOf<'SelectStmt'>` is `SelectStmt`). */
export type NodeOf<K extends NodeTag> = Extract<Node, Record<K, unknown>>[K];

/** The body of `node` when it is a `tag` node, else undefined. */
export function nodeBody<K extends NodeTag>(node: Node | undefined, tag: K): NodeOf<K> | undefined {
  if (node === undefined || !(tag in node)) return undefined;
  return (node as unknown as Record<K, NodeOf<K>>)[tag];
}

/** The text of a `String` node (`{ String: { sval } }`), else undefined. */
export function stringOf(node: Node | undefined): string | undefined {
  if (node === undefined || !('String' in node)) return undefined;
  return node.String.sval ?? '';
}

/** The texts of a list of `String` nodes (a qualified name, a column list); others are skipped. */
export function stringsOf(nodes: readonly Node[] | undefined): string[] {
  const out: string[] = [];
  for (const node of nodes ?? []) {
    const text = stringOf(node);
    if (text !== undefined) out.push(text);
  }
  return out;
}

/**
 * The value of a literal as PostgreSQL's input functions would read it: integers and numerics as
 * their decimal text, strings as themselves, booleans as `true`/`false`, NULL as null. Zero values
 * are left out of the JSON tree (`{ ival: {} }` is 0), which this accounts for.
 */
export function constText(value: A_Const): string | null {
  if (value.isnull) return null;
  if (value.ival !== undefined) return String(value.ival.ival ?? 0);
  if (value.fval !== undefined) return value.fval.fval ?? '0';
  if (value.sval !== undefined) return value.sval.sval ?? '';
  if (value.boolval !== undefined) return value.boolval.boolval ? 'true' : 'false';
  if (value.bsval !== undefined) return value.bsval.bsval ?? '';
  return null;
}

/** True for a plain object (a node body or a wrapper), false for arrays and primitives. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `key` names a node type: node types start with a capital letter, fields do not. */
export function isNodeKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 65 && c <= 90;
}
