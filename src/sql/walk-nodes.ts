// A generic walk over every node of a parse tree, for questions that do not depend on where a node
// sits (which `$n` appear, which functions are called, which relations are named).
import type { Node } from 'libpg-query';
import { isNodeKey, isObject } from './ast-nodes.js';

/**
 * Calls `visit(tag, body)` for every node under `root` (itself included), depth first. Returning
 * false from `visit` skips that node's children.
 */
export function walkNodes(
  root: unknown,
  visit: (tag: string, body: Record<string, unknown>) => boolean | undefined,
): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      continue;
    }
    if (!isObject(value)) continue;
    for (const key in value) {
      const child = value[key];
      if (isNodeKey(key) && isObject(child)) {
        if (visit(key, child) === false) continue;
      }
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
}

/** The highest parameter number (`$n`) used under `root`, 0 when there is none. */
export function maxParamNumber(root: Node | unknown): number {
  let max = 0;
  walkNodes(root, (tag, body) => {
    if (tag === 'ParamRef') {
      const n = typeof body.number === 'number' ? body.number : 0;
      if (n > max) max = n;
    }
    return undefined;
  });
  return max;
}

/**
 * Every relation name under `root`, wherever it sits (a table, an index, a sequence, a view), as
 * `RangeVar` bodies. RangeVars appear both wrapped (`{ RangeVar: … }` in lists) and bare (the
 * `relation` field of most statements), so bare ones are recognised by their fields. They come in
 * the order of the tree's fields, which for every DDL statement puts the statement's own relation first.
 */
export function collectRangeVars(root: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
      continue;
    }
    if (!isObject(value)) continue;
    if (typeof value.relname === 'string' && 'relpersistence' in value) {
      found.push(value);
      continue;
    }
    // Children go on the stack last first, so relations come out in the order they are written.
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const child = value[keys[i] as string];
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return found;
}
