// One shard's part of a cross-shard read: the rewritten statement sent with the client's parameters
// (results always in text, which the merge reads), and its rows pulled in batches as the merge asks,
// so a large result never sits whole in memory.
import { serialize } from 'pg-protocol';
import type { Frame } from '../../protocol/message-framer.js';
import { decodeDataRow, decodeNoticeFields, decodeRowDescription, type RowField } from '../codec/index.js';
import { SYNC } from './frontend-messages.js';
import type { BindParam } from './session-context.js';
import { SessionError } from './session-error.js';
import { B, type ShardPipe } from './shard-pipe.js';

/** Rows as PostgreSQL's text output sends them; null for SQL NULL. */
export type TextRow = readonly (string | null)[];

/** A shard's rows, and the description of their columns (known before the first row). */
export interface ShardRows {
  readonly shard: string;
  /** Resolves with the columns once the shard described them; rejects like `rows`. */
  readonly fields: Promise<readonly RowField[]>;
  /** Batches of rows, in the shard's order. Throws a SessionError naming the shard if it fails. */
  readonly rows: AsyncIterable<readonly TextRow[]>;
  /** Reads and drops whatever the shard still sends for this statement (when `rows` is not read). */
  close(): Promise<void>;
}

const decoder = new TextDecoder();
const BATCH = 256;

const TEXT_OID = 25;

/**
 * The parameter types to declare: the client's, except that a parameter the shard's statement no
 * longer mentions (the merge evaluates it, e.g. in a HAVING the shards do not run) is declared text,
 * since PostgreSQL cannot infer the type of a parameter nothing uses (42P18). A `$n` inside a string
 * literal would count as used; then the client's type is kept, as before.
 */
export function parameterTypes(sql: string, params: readonly BindParam[]): number[] {
  const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  return params.map((p, i) => (p.typeOid === 0 && !used.has(i + 1) ? TEXT_OID : p.typeOid));
}

/**
 * Sends `sql` to the pipe's shard as an unnamed extended-protocol statement with `params`, asking
 * for text results, and returns its rows as a pull-based stream. The statement's answers are owed
 * on the pipe until the stream is read to its end (or `return()`-ed, which reads and drops the rest).
 */
export function shardRows(pipe: ShardPipe, sql: string, params: readonly BindParam[]): ShardRows {
  pipe.send(serialize.parse({ text: sql, types: parameterTypes(sql, params) }), 'parse', 'quiet');
  pipe.send(
    serialize.bind({
      values: params.map((p) =>
        p.value === null ? null : p.format === 1 ? Buffer.from(p.value) : decoder.decode(p.value),
      ),
      valueMapper: (v: unknown) => v,
    }),
    'bind',
    'quiet',
  );
  pipe.send(serialize.describe({ type: 'P', name: '' }), 'describe-portal', 'relay');
  pipe.send(serialize.execute({}), 'execute', 'relay');
  pipe.send(SYNC, 'sync', 'internal');
  pipe.flush();

  // One reader of the pipe's frames, shared by `fields` (reads up to the RowDescription) and `rows`.
  const frames = pipe.frames();
  let drained = false;
  const failure = (frame: Frame): SessionError => {
    const e = decodeNoticeFields(frame);
    return new SessionError(e.code, `shard ${pipe.shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
  };
  const drainRest = async (): Promise<void> => {
    if (drained) return;
    drained = true;
    for (let r = await frames.next(); !r.done; r = await frames.next());
  };
  const fields = (async (): Promise<readonly RowField[]> => {
    for (let r = await frames.next(); !r.done; r = await frames.next()) {
      if (r.value.type === B.rowDescription) return decodeRowDescription(r.value);
      if (r.value.type === B.noData) return [];
      if (r.value.type === B.errorResponse) {
        const error = failure(r.value);
        // The shard's own error is the one to report, also when it was FATAL and the connection
        // closes before the rest can be read.
        await drainRest().catch(() => {});
        throw error;
      }
    }
    return [];
  })();
  fields.catch(() => {}); // the same error also ends `rows`, where callers see it

  async function* rows(): AsyncGenerator<readonly TextRow[]> {
    let failed = false;
    try {
      await fields;
      let batch: TextRow[] = [];
      for (let r = await frames.next(); !r.done; r = await frames.next()) {
        const frame = r.value;
        if (frame.type === B.dataRow) {
          batch.push(decodeDataRow(frame).map((v) => (v === null ? null : decoder.decode(v))));
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        } else if (frame.type === B.errorResponse) {
          throw failure(frame);
        }
      }
      if (batch.length > 0) yield batch;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // Stopped early (LIMIT reached) or failed: read and drop the rest (after an error only the
      // Sync's ReadyForQuery) so the pipe is ready for the next statement. After the shard's own
      // error, a connection that then closes (a FATAL error) must not hide that error.
      if (failed) await drainRest().catch(() => {});
      else await drainRest();
    }
  }
  return { shard: pipe.shard, fields, rows: rows(), close: drainRest };
}
