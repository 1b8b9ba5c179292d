// PostgreSQL's text COPY format: fields split by a delimiter (tab), backslash escapes (`\t`, `\n`,
// octal, `\x` hex, and a backslash before any other byte, a line ending included, takes it
// literally), and a NULL marker (`\N`) compared with the field as written, before unescaping.
import { SwitchyardError } from '../util/errors.js';
import { type LineFormat, type LineScan, lineEndAt, missingColumn } from './copy-line-parser.js';
import type { CopyKeyField } from './copy-piece.js';
import type { CopyFormat } from './copy-plan.js';

const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ENCODER = new TextEncoder();
const SIMPLE_ESCAPES: Readonly<Record<number, number>> = {
  98: 8,
  102: 12,
  110: 10,
  114: 13,
  116: 9,
  118: 11,
};

/** Finds lines and reads key fields of the text format. */
export class TextLineFormat implements LineFormat {
  resumeAt = 0;
  private escaped = false;
  private readonly delimiter: number;
  private readonly nullMarker: Uint8Array;
  private readonly defaultMarker: Uint8Array | undefined;
  private readonly last: number;

  /** `positions`: the key columns' field indexes; `names`: their names, for messages. */
  constructor(
    format: CopyFormat,
    private readonly positions: readonly number[],
    private readonly names: readonly string[],
  ) {
    this.delimiter = format.delimiter.charCodeAt(0);
    this.nullMarker = ENCODER.encode(format.null);
    this.defaultMarker = format.default === undefined ? undefined : ENCODER.encode(format.default);
    this.last = Math.max(-1, ...positions);
  }

  scan(buf: Uint8Array, from: number, finishing: boolean): LineScan {
    let escaped = this.escaped;
    for (let i = from; i < buf.byteLength; i++) {
      if (escaped) {
        escaped = false;
        continue;
      }
      const c = buf[i];
      if (c === BACKSLASH) {
        escaped = true;
      } else if (c === LF || c === CR) {
        const end = lineEndAt(buf, i, finishing);
        this.escaped = false;
        if (end === -2) {
          this.resumeAt = i;
          return { end: -1, dataEnd: -1 };
        }
        return { end, dataEnd: i };
      }
    }
    this.escaped = escaped;
    this.resumeAt = buf.byteLength;
    return { end: -1, dataEnd: -1 };
  }

  keyFields(data: Uint8Array): CopyKeyField[] {
    const bounds: number[] = [];
    let start = 0;
    for (let i = 0; bounds.length / 2 <= this.last; ) {
      if (i >= data.byteLength) {
        bounds.push(start, data.byteLength);
        break;
      }
      const c = data[i];
      if (c === BACKSLASH) {
        i += 2;
        continue;
      }
      if (c === this.delimiter) {
        bounds.push(start, i);
        start = i + 1;
      }
      i++;
    }
    return this.positions.map((position, k) => {
      const from = bounds[2 * position];
      const to = bounds[2 * position + 1];
      if (from === undefined || to === undefined) throw missingColumn(this.names[k] ?? `#${position + 1}`);
      const raw = data.subarray(from, Math.min(to, data.byteLength));
      if (bytesEqual(raw, this.nullMarker)) return null;
      if (this.defaultMarker && bytesEqual(raw, this.defaultMarker)) throw defaultKey(this.names[k] ?? '');
      return decode(unescapeText(raw));
    });
  }
}

/** The bytes a text-format field stands for, its backslash escapes resolved. */
export function unescapeText(raw: Uint8Array): Uint8Array {
  if (!raw.includes(BACKSLASH)) return raw;
  const out: number[] = [];
  for (let i = 0; i < raw.byteLength; i++) {
    const c = raw[i] as number;
    if (c !== BACKSLASH || i + 1 >= raw.byteLength) {
      out.push(c);
      continue;
    }
    const next = raw[++i] as number;
    if (next >= 48 && next <= 55) {
      let value = next - 48;
      for (let n = 0; n < 2 && i + 1 < raw.byteLength && isOctal(raw[i + 1] as number); n++) {
        value = value * 8 + ((raw[++i] as number) - 48);
      }
      out.push(value & 0xff);
    } else if (next === 120 && i + 1 < raw.byteLength && hexValue(raw[i + 1] as number) >= 0) {
      let value = hexValue(raw[++i] as number);
      if (i + 1 < raw.byteLength && hexValue(raw[i + 1] as number) >= 0)
        value = value * 16 + hexValue(raw[++i] as number);
      out.push(value);
    } else {
      out.push(SIMPLE_ESCAPES[next] ?? next);
    }
  }
  return Uint8Array.from(out);
}

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** True when two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A key field's bytes as text (strict UTF-8). */
export function decode(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch (error) {
    throw new SwitchyardError(
      '22021',
      'invalid byte sequence for encoding "UTF8" in a COPY shard key field',
      {
        cause: error,
      },
    );
  }
}

/** The error for a row that leaves its shard key to the column's DEFAULT. */
export function defaultKey(column: string): SwitchyardError {
  return new SwitchyardError(
    '0A000',
    `a COPY row leaves shard key column "${column}" to its DEFAULT: Switchyard must know the key to place the row`,
  );
}
