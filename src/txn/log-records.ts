// The records of the file coordinator log: one JSON object per line, appended. A decision is
//   {"op":"decide","gid":"sy_r1_k2x_1","decision":"commit","participants":["s0","s1"],"at":1735689600000,"by":"r1"}
// and forgetting it is {"op":"forget","gid":"sy_r1_k2x_1"}. Replaying the lines in order rebuilds the
// decisions still remembered; for a gid decided twice without a forget in between the first stands.
import { isValidGid } from '../backend/prepared-transactions.js';
import { TxnLogError, TxnSqlState } from './txn-errors.js';
import type { Decision } from './txn-log.js';

/** A remembered decision as the file log keeps it in memory. */
export interface LoggedDecision {
  readonly decision: Decision;
  readonly participants: readonly string[];
  /** Wall-clock milliseconds when it was written. */
  readonly at: number;
  readonly decidedBy: string;
}

/** The line (with its newline) recording a decision. */
export function decideLine(gid: string, entry: LoggedDecision): string {
  return `${JSON.stringify({
    op: 'decide',
    gid,
    decision: entry.decision,
    participants: entry.participants,
    at: entry.at,
    by: entry.decidedBy,
  })}\n`;
}

/** The line (with its newline) recording that a decision was forgotten. */
export function forgetLine(gid: string): string {
  return `${JSON.stringify({ op: 'forget', gid })}\n`;
}

/** What replaying a log file found. */
export interface Replayed {
  readonly entries: Map<string, LoggedDecision>;
  /** Complete records read (decide and forget lines). */
  readonly records: number;
  /** Bytes of the file up to and including its last newline: what is kept. */
  readonly keptBytes: number;
  /** True when the file ends in an incomplete line (a write cut short by a crash). */
  readonly tornTail: boolean;
}

/**
 * Replays the bytes of a log file. An incomplete last line is a write that never finished, so no
 * caller was ever told its decision stood: it is left out (`tornTail`) for the caller to cut off.
 *
 * @throws TxnLogError XX001 for a complete line that is not a valid record (the file is damaged).
 */
export function replayLog(bytes: Uint8Array, path: string): Replayed {
  const lastNewline = bytes.lastIndexOf(0x0a);
  const keptBytes = lastNewline + 1;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, keptBytes).toString('utf8');
  const entries = new Map<string, LoggedDecision>();
  let records = 0;
  const lines = text.split('\n');
  lines.pop(); // the empty string after the last newline
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseRecord(line);
    if (typeof record === 'string') throw damaged(path, index + 1, record);
    records += 1;
    if (record.op === 'forget') entries.delete(record.gid);
    else if (!entries.has(record.gid)) entries.set(record.gid, record.entry);
  });
  return { entries, records, keptBytes, tornTail: keptBytes < bytes.length };
}

type ParsedRecord = { op: 'forget'; gid: string } | { op: 'decide'; gid: string; entry: LoggedDecision };

/** The record on one line, or what is wrong with it. */
function parseRecord(line: string): ParsedRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not a JSON object';
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.gid !== 'string' || !isValidGid(r.gid)) return 'no valid "gid"';
  if (r.op === 'forget') return { op: 'forget', gid: r.gid };
  if (r.op !== 'decide') return `unknown "op" ${JSON.stringify(r.op)}`;
  if (r.decision !== 'commit' && r.decision !== 'abort') return '"decision" is neither "commit" nor "abort"';
  if (!Array.isArray(r.participants) || !r.participants.every((p) => typeof p === 'string')) {
    return '"participants" is not a list of shard names';
  }
  if (typeof r.at !== 'number' || !Number.isFinite(r.at)) return '"at" is not a time in milliseconds';
  return {
    op: 'decide',
    gid: r.gid,
    entry: {
      decision: r.decision,
      participants: r.participants as string[],
      at: r.at,
      decidedBy: typeof r.by === 'string' ? r.by : '',
    },
  };
}

function damaged(path: string, line: number, problem: string): TxnLogError {
  return new TxnLogError(
    TxnSqlState.dataCorrupted,
    `the coordinator log ${path} is damaged at line ${line} (${problem}). Its decisions cannot be guessed: ` +
      'restore the file from a backup, or, if no shard holds a prepared transaction whose gid starts with "sy_" ' +
      '(see pg_prepared_xacts), move the file aside and start again',
  );
}
