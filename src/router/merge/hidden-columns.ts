// Columns appended to the shard target list for the merge's sake (sort keys, DISTINCT ON keys that
// are not selected), dropped before rows reach the client. They sit at the end of the row, so they
// are addressed from the end: the visible part may be `*`, whose width the plan does not know.
import type { Node } from 'libpg-query';
import type { ShardColumn } from './merge-plan.js';
import { sqlText } from './sql-text.js';

/** Hidden columns being collected; one per distinct expression text. */
export class HiddenColumns {
  private readonly texts: string[] = [];
  readonly nodes: Node[] = [];
  private readonly pending: { index: number }[] = [];

  /** The column of `expr`, appended unless the same expression is already hidden. */
  add(expr: Node): ShardColumn {
    const text = sqlText(expr);
    let at = this.texts.indexOf(text);
    if (at < 0) {
      at = this.texts.length;
      this.texts.push(text);
      this.nodes.push(expr);
    }
    // Counted from the end once every hidden column is known (see `finish`).
    const column = { from: 'end' as const, index: at };
    this.pending.push(column);
    return column;
  }

  /** Fixes the columns handed out: index `h` of `n` hidden is `n - 1 - h` from the end. */
  finish(): number {
    const n = this.texts.length;
    for (const column of this.pending) column.index = n - 1 - column.index;
    this.pending.length = 0;
    return n;
  }
}

/** `{ ResTarget: { val } }`: a target list entry for an expression. */
export function targetNode(val: Node): Node {
  return { ResTarget: { val } } as Node;
}
