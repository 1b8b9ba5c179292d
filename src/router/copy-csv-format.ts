// PostgreSQL's CSV COPY format: fields split by a delimiter (comma), optionally quoted; inside quotes
// the escape character (the quote itself by default) makes the next quote or escape literal, and line
// endings are data. An unquoted field equal to the NULL marker (empty by default) is NULL; FORCE_NULL
// and FORCE_NOT_NULL change that per column.
import { type LineFormat, type LineScan, lineEndAt, missingColumn } from './copy-line-parser.js';
import type { CopyKeyField } from './copy-piece.js';
import type { CopyFormat } from './copy-plan.js';
import { bytesEqual, decode, defaultKey } from './copy-text-format.js';

const LF = 10;
const CR = 13;
const ENCODER = new TextEncoder();

/** Finds lines and reads key fields of the CSV format. */
export class CsvLineFormat implements LineFormat {
  resumeAt = 0;
  private inQuote = false;
  private readonly delimiter: number;
  private readonly quote: number;
  private readonly escape: number;
  private readonly nullMarker: Uint8Array;
  private readonly defaultMarker: Uint8Array | undefined;
  private readonly forceNull: readonly boolean[];
  private readonly forceNotNull: readonly boolean[];
  private readonly last: number;

  /** `positions`: the key columns' field indexes; `names`: their names (for messages and FORCE_*). */
  constructor(
    format: CopyFormat,
    private readonly positions: readonly number[],
    private readonly names: readonly string[],
  ) {
    this.delimiter = format.delimiter.charCodeAt(0);
    this.quote = format.quote.charCodeAt(0);
    this.escape = format.escape.charCodeAt(0);
    this.nullMarker = ENCODER.encode(format.null);
    this.defaultMarker = format.default === undefined ? undefined : ENCODER.encode(format.default);
    const forced = (list: readonly string[] | '*') => names.map((n) => list === '*' || list.includes(n));
    this.forceNull = forced(format.forceNull);
    this.forceNotNull = forced(format.forceNotNull);
    this.last = Math.max(-1, ...positions);
  }

  scan(buf: Uint8Array, from: number, finishing: boolean): LineScan {
    let inQuote = this.inQuote;
    for (let i = from; i < buf.byteLength; i++) {
      const c = buf[i];
      if (inQuote) {
        if (c === this.escape && this.escape !== this.quote) {
          if (i + 1 >= buf.byteLength && !finishing) {
            this.inQuote = true;
            this.resumeAt = i;
            return { end: -1, dataEnd: -1 };
          }
          const next = buf[i + 1];
          if (next === this.quote || next === this.escape) {
            i++;
            continue;
          }
        }
        if (c === this.quote) inQuote = false;
        continue;
      }
      if (c === this.quote) {
        inQuote = true;
      } else if (c === LF || c === CR) {
        const end = lineEndAt(buf, i, finishing);
        this.inQuote = false;
        if (end === -2) {
          this.resumeAt = i;
          return { end: -1, dataEnd: -1 };
        }
        return { end, dataEnd: i };
      }
    }
    this.inQuote = inQuote;
    this.resumeAt = buf.byteLength;
    return { end: -1, dataEnd: -1 };
  }

  keyFields(data: Uint8Array): CopyKeyField[] {
    const wanted = new Map(this.positions.map((p, k) => [p, k]));
    const found: CopyKeyField[] = new Array(this.positions.length);
    const seen: boolean[] = new Array(this.positions.length).fill(false);
    let i = 0;
    for (let field = 0; field <= this.last; field++) {
      const start = i;
      const k = wanted.get(field);
      const value: number[] = [];
      let sawQuote = false;
      let inQuote = false;
      let ended = false;
      while (i < data.byteLength) {
        const c = data[i++] as number;
        if (inQuote) {
          const next = data[i];
          if (c === this.escape && next !== undefined && (next === this.escape || next === this.quote)) {
            if (k !== undefined) value.push(next);
            i++;
          } else if (c === this.quote) {
            inQuote = false;
          } else if (k !== undefined) {
            value.push(c);
          }
        } else if (c === this.delimiter) {
          ended = true;
          break;
        } else if (c === this.quote) {
          inQuote = sawQuote = true;
        } else if (k !== undefined) {
          value.push(c);
        }
      }
      if (k !== undefined) {
        const rawEnd = ended ? i - 1 : i;
        found[k] = this.fieldValue(data.subarray(start, rawEnd), Uint8Array.from(value), sawQuote, k);
        seen[k] = true;
      }
      if (!ended && field < this.last) {
        const missing = this.positions.findIndex((p, n) => p > field && !seen[n]);
        throw missingColumn(this.names[missing] ?? `#${field + 2}`);
      }
    }
    return found;
  }

  private fieldValue(raw: Uint8Array, value: Uint8Array, sawQuote: boolean, k: number): CopyKeyField {
    const matchesNull = sawQuote ? bytesEqual(value, this.nullMarker) : bytesEqual(raw, this.nullMarker);
    if (matchesNull && (sawQuote ? this.forceNull[k] : !this.forceNotNull[k])) return null;
    if (!sawQuote && this.defaultMarker && bytesEqual(raw, this.defaultMarker))
      throw defaultKey(this.names[k] ?? '');
    return decode(value);
  }
}
