// K-way merge of shard streams that are each sorted by the query's ORDER BY (every shard ran it):
// a binary heap holds the head row of each stream, so memory stays one row (plus one batch) per
// shard however many rows flow through.
import type { TextRow } from './merge-plan.js';
import type { RowComparator } from './row-order.js';
import { closeAll, RowCursor, type ShardRowStream } from './shard-streams.js';

interface Head {
  row: TextRow;
  readonly cursor: RowCursor;
  /** Stream position: ties go to the earlier stream, which keeps the merge deterministic. */
  readonly stream: number;
}

/**
 * The rows of all `streams` in `compare` order, given each stream is in that order. Closes every
 * stream when the consumer stops early (LIMIT) or a stream fails.
 *
 * @example
 *   for await (const row of mergeOrdered(shardStreams, rowComparator(keys, types, width, values))) …
 */
export async function* mergeOrdered(
  streams: readonly ShardRowStream[],
  compare: RowComparator,
): AsyncGenerator<TextRow> {
  const cursors = streams.map((s) => new RowCursor(s));
  const before = (a: Head, b: Head) => {
    const order = compare(a.row, b.row);
    return order < 0 || (order === 0 && a.stream < b.stream);
  };
  const heap: Head[] = [];
  try {
    const firsts = await Promise.all(cursors.map((c) => c.next()));
    firsts.forEach((row, stream) => {
      const cursor = cursors[stream];
      if (row !== undefined && cursor) heap.push({ row, cursor, stream });
    });
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i, before);
    while (heap.length > 0) {
      const top = heap[0] as Head;
      yield top.row;
      const next = await top.cursor.next();
      if (next === undefined) {
        const last = heap.pop() as Head;
        if (heap.length === 0) break;
        heap[0] = last;
      } else {
        top.row = next;
      }
      siftDown(heap, 0, before);
    }
  } finally {
    await closeAll(cursors);
  }
}

function siftDown(heap: Head[], start: number, before: (a: Head, b: Head) => boolean): void {
  let at = start;
  for (;;) {
    const left = 2 * at + 1;
    const right = left + 1;
    let best = at;
    if (left < heap.length && before(heap[left] as Head, heap[best] as Head)) best = left;
    if (right < heap.length && before(heap[right] as Head, heap[best] as Head)) best = right;
    if (best === at) return;
    const swap = heap[at] as Head;
    heap[at] = heap[best] as Head;
    heap[best] = swap;
    at = best;
  }
}
