// What the COPY row parsers cut a COPY … FROM STDIN data stream into: rows (with the raw text or
// bytes of their shard key fields) and the parts every shard's stream needs (a header, a trailer).

/** A shard key field as the data holds it: text (already unescaped), binary bytes, or NULL. */
export type CopyKeyField = string | Uint8Array | null;

/** One piece of COPY data, cut at row boundaries. Pieces share memory with the chunks pushed. */
export type CopyPiece =
  /** A header line or the binary file header: every shard's stream starts with it. */
  | { readonly type: 'prologue'; readonly bytes: Uint8Array }
  /** One row, its line ending included, with its shard key fields in key column order. */
  | { readonly type: 'row'; readonly bytes: Uint8Array; readonly keys: readonly CopyKeyField[] }
  /** The binary trailer: every shard's stream ends with it. */
  | { readonly type: 'epilogue'; readonly bytes: Uint8Array };

/** Cuts COPY data into pieces, however the client split it into CopyData messages. */
export interface CopyRowParser {
  /** The pieces completed by `chunk` (a row cut by the chunk's end waits for the next push). */
  push(chunk: Uint8Array): CopyPiece[];
  /** The pieces left at CopyDone: a last line without a line ending is a row. */
  finish(): CopyPiece[];
}

/** Joins two byte arrays (the unconsumed rest of the last chunk and the next one). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  if (b.byteLength === 0) return a;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
