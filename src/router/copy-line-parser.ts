// The text and CSV COPY formats: rows are lines, ended by LF, CR LF or CR (PostgreSQL takes the style
// of the first line). What may hide a line ending differs (a backslash in text, quotes in CSV), so
// the format supplies the scanner; buffering, the header line, the `\.` end marker and the
// unterminated last line are handled here once.
import { SwitchyardError } from '../util/errors.js';
import { type CopyKeyField, type CopyPiece, type CopyRowParser, concatBytes } from './copy-piece.js';
import type { CopyFormat } from './copy-plan.js';

const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const DOT = 46;

/** Where a line ends, found by a format's scanner. */
export interface LineScan {
  /** Index just past the line ending, or -1 when the buffer ends first. */
  end: number;
  /** Index of the line ending's first byte (the end of the row's data). */
  dataEnd: number;
}

/** How one line-based format finds line ends and reads key fields. */
export interface LineFormat {
  /** Scans `buf` from `from`, resuming state kept from the last call; resets when it finds an end. */
  scan(buf: Uint8Array, from: number, finishing: boolean): LineScan;
  /** Index to resume scanning at after a call that found no end. */
  readonly resumeAt: number;
  /** The key fields of a row's data (without its line ending). */
  keyFields(data: Uint8Array): CopyKeyField[];
}

/** Incremental line splitter shared by the text and CSV formats. */
export class LineCopyParser implements CopyRowParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private scanned = 0;
  private headerPending: boolean;
  private ended = false;

  constructor(
    format: CopyFormat,
    private readonly lines: LineFormat,
  ) {
    this.headerPending = format.header !== false;
  }

  push(chunk: Uint8Array): CopyPiece[] {
    if (this.ended) return [];
    this.buffer = concatBytes(this.buffer, chunk);
    return this.drain(false);
  }

  finish(): CopyPiece[] {
    if (this.ended) return [];
    const pieces = this.drain(true);
    if (!this.ended && this.buffer.byteLength > 0) {
      // PostgreSQL accepts a last line without a line ending; the shard gets one, so that its own
      // stream (which may receive rows after this one from other chunks) stays well formed.
      const withEnding = concatBytes(this.buffer, Uint8Array.of(LF));
      this.buffer = new Uint8Array(0);
      const piece = this.piece(withEnding, withEnding.byteLength - 1);
      if (piece) pieces.push(piece);
    }
    return pieces;
  }

  private drain(finishing: boolean): CopyPiece[] {
    const pieces: CopyPiece[] = [];
    let start = 0;
    const buf = this.buffer;
    let from = this.scanned;
    while (!this.ended && start < buf.byteLength) {
      const found = this.lines.scan(buf, from, finishing);
      if (found.end < 0) {
        from = this.lines.resumeAt;
        break;
      }
      const piece = this.piece(buf.subarray(start, found.end), found.dataEnd - start);
      if (piece) pieces.push(piece);
      start = found.end;
      from = start;
    }
    this.buffer = this.ended ? new Uint8Array(0) : buf.subarray(start);
    this.scanned = this.ended ? 0 : Math.max(0, from - start);
    return pieces;
  }

  private piece(line: Uint8Array, dataLength: number): CopyPiece | undefined {
    const data = line.subarray(0, dataLength);
    if (data.byteLength === 2 && data[0] === BACKSLASH && data[1] === DOT) {
      // `\.` alone on a line ends the data; anything after it is ignored, as PostgreSQL does.
      this.ended = true;
      return undefined;
    }
    if (this.headerPending) {
      this.headerPending = false;
      return { type: 'prologue', bytes: line };
    }
    return { type: 'row', bytes: line, keys: this.lines.keyFields(data) };
  }
}

/** Scans for the end of a line at `i` (LF, CR LF or CR); -2 when the CR is the buffer's last byte. */
export function lineEndAt(buf: Uint8Array, i: number, finishing: boolean): number {
  const c = buf[i];
  if (c === LF) return i + 1;
  if (c !== CR) return -1;
  if (i + 1 < buf.byteLength) return buf[i + 1] === LF ? i + 2 : i + 1;
  return finishing ? i + 1 : -2;
}

/** The error for a row with fewer fields than the shard key's position needs. */
export function missingColumn(column: string): SwitchyardError {
  return new SwitchyardError('22P04', `missing data for column "${column}"`);
}
