// Reading the shards' row streams: each shard's rows arrive in batches from an async iterator that
// must be closed (`return()`) when the merge stops early, so the session can cancel the shard query.
import type { TextRow } from './merge-plan.js';

/** One shard's rows, in batches, as the session reads them from the shard. */
export type ShardRowStream = AsyncIterable<readonly TextRow[]>;

/** A shard stream read one row at a time. */
export class RowCursor {
  private readonly iterator: AsyncIterator<readonly TextRow[]>;
  private batch: readonly TextRow[] = [];
  private at = 0;
  private done = false;

  constructor(stream: ShardRowStream) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  /** The next row, or undefined when the shard has no more. */
  async next(): Promise<TextRow | undefined> {
    while (this.at >= this.batch.length) {
      if (this.done) return undefined;
      const step = await this.iterator.next();
      if (step.done) {
        this.done = true;
        return undefined;
      }
      this.batch = step.value;
      this.at = 0;
    }
    const row = this.batch[this.at];
    this.at++;
    return row;
  }

  /** Stops reading: tells the stream nobody will pull again (cancels the shard query). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }
}

/** Closes every cursor, even when one fails to close; rethrows the first failure. */
export async function closeAll(cursors: readonly RowCursor[]): Promise<void> {
  const results = await Promise.allSettled(cursors.map((c) => c.close()));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Every shard's rows one after the other (no ORDER BY to keep). Closes every stream when the
 * consumer stops early or a stream fails.
 */
export async function* concatRows(streams: readonly ShardRowStream[]): AsyncGenerator<TextRow> {
  const cursors = streams.map((s) => new RowCursor(s));
  try {
    for (const cursor of cursors) {
      for (let row = await cursor.next(); row !== undefined; row = await cursor.next()) yield row;
    }
  } finally {
    await closeAll(cursors);
  }
}
