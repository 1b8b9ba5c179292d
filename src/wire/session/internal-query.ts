// Switchyard's own statements on a shard connection (BEGIN when a shard joins a transaction, COMMIT,
// DDL follow-ups, catalog look-ups): sent as a simple Query, answers swallowed, rows decoded as text.
import type { Frame } from '../../protocol/message-framer.js';
import { decodeCommandComplete, decodeDataRow, decodeNoticeFields } from '../codec/index.js';
import { queryMessage } from './frontend-messages.js';
import { B, type ShardPipe } from './shard-pipe.js';

/** What an internal statement returned. */
export interface InternalResult {
  /** Rows of every statement in the string, values as text. */
  readonly rows: (string | null)[][];
  /** Command tags, one per statement that completed. */
  readonly tags: string[];
  /** The ErrorResponse frame, when a statement failed (the rest of the string did not run). */
  readonly error: Frame | undefined;
  /** Every frame received, for relaying notices or the tag to the client. */
  readonly frames: readonly Frame[];
}

const decoder = new TextDecoder();

/**
 * Runs `sql` (one or more statements, no parameters) on the pipe's shard and waits for its answers.
 * Anything queued on the pipe before is sent and answered first.
 */
export async function runInternal(pipe: ShardPipe, sql: string): Promise<InternalResult> {
  const frames: Frame[] = [];
  pipe.send(queryMessage(sql), 'query', 'internal', { collect: frames });
  pipe.flush();
  const outcome = await pipe.drain(() => {});
  const rows: (string | null)[][] = [];
  const tags: string[] = [];
  for (const frame of frames) {
    if (frame.type === B.dataRow)
      rows.push(decodeDataRow(frame).map((v) => (v === null ? null : decoder.decode(v))));
    else if (frame.type === B.commandComplete) tags.push(decodeCommandComplete(frame));
  }
  return { rows, tags, error: outcome.error, frames };
}

/** The message of an ErrorResponse frame (for wrapping it with context). */
export function errorMessageOf(frame: Frame): {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
} {
  const fields = decodeNoticeFields(frame);
  return {
    code: fields.code,
    message: fields.message,
    ...(fields.detail ? { detail: fields.detail } : {}),
    ...(fields.hint ? { hint: fields.hint } : {}),
  };
}
