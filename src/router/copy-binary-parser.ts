// PostgreSQL's binary COPY format: an 11-byte signature, flags and a header extension, then tuples
// (a 16-bit field count, each field a 32-bit length, -1 for NULL, and its bytes), then a trailer
// count of -1. All integers are big-endian.
import { SwitchyardError } from '../util/errors.js';
import { missingColumn } from './copy-line-parser.js';
import { type CopyKeyField, type CopyPiece, type CopyRowParser, concatBytes } from './copy-piece.js';

const SIGNATURE = Uint8Array.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);

/** Cuts binary COPY data into its header, tuples and trailer. */
export class BinaryCopyParser implements CopyRowParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private headerDone = false;
  private ended = false;
  private readonly last: number;

  constructor(
    private readonly positions: readonly number[],
    private readonly names: readonly string[],
  ) {
    this.last = Math.max(-1, ...positions);
  }

  push(chunk: Uint8Array): CopyPiece[] {
    if (this.ended) return [];
    this.buffer = concatBytes(this.buffer, chunk);
    const pieces: CopyPiece[] = [];
    let at = 0;
    const buf = this.buffer;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!this.headerDone) {
      // Check what has arrived of the signature at once, so text sent as binary fails early.
      for (let i = 0; i < Math.min(buf.byteLength, SIGNATURE.byteLength); i++) {
        if (buf[i] !== SIGNATURE[i]) throw new SwitchyardError('22P04', 'COPY file signature not recognized');
      }
      if (buf.byteLength < SIGNATURE.byteLength + 8) return pieces;
      const extension = view.getUint32(SIGNATURE.byteLength + 4);
      const end = SIGNATURE.byteLength + 8 + extension;
      if (buf.byteLength < end) return pieces;
      pieces.push({ type: 'prologue', bytes: buf.subarray(0, end) });
      this.headerDone = true;
      at = end;
    }
    while (at + 2 <= buf.byteLength) {
      const count = view.getInt16(at);
      if (count === -1) {
        pieces.push({ type: 'epilogue', bytes: buf.subarray(at, at + 2) });
        this.ended = true;
        at = buf.byteLength;
        break;
      }
      const tuple = this.tuple(buf, view, at, count);
      if (!tuple) break;
      pieces.push(tuple.piece);
      at = tuple.end;
    }
    this.buffer = buf.subarray(at);
    return pieces;
  }

  finish(): CopyPiece[] {
    if (!this.ended && this.buffer.byteLength > 0) {
      throw new SwitchyardError('22P04', 'unexpected EOF in COPY data');
    }
    return [];
  }

  // One tuple starting at `at`, or undefined when the buffer ends inside it.
  private tuple(
    buf: Uint8Array,
    view: DataView,
    at: number,
    count: number,
  ): { piece: CopyPiece; end: number } | undefined {
    if (count <= this.last) {
      throw missingColumn(this.names[this.positions.findIndex((p) => p >= count)] ?? `#${count + 1}`);
    }
    const fields: CopyKeyField[] = [];
    let p = at + 2;
    for (let f = 0; f < count; f++) {
      if (p + 4 > buf.byteLength) return undefined;
      const length = view.getInt32(p);
      p += 4;
      if (length < -1) throw new SwitchyardError('22P04', 'invalid field size in binary COPY data');
      const end = p + Math.max(0, length);
      if (end > buf.byteLength) return undefined;
      fields.push(length === -1 ? null : buf.subarray(p, end));
      p = end;
    }
    const keys = this.positions.map((position) => fields[position] ?? null);
    return { piece: { type: 'row', bytes: buf.subarray(at, p), keys }, end: p };
  }
}
