// Allocation helpers shared by the backend encoders: each encoder computes its exact size first and
// writes into one buffer, so encoding a message is one allocation and no intermediate arrays.

/** A buffer for one message of `bodyLength` bytes after the length word, header already written. */
export function allocMessage(type: number, bodyLength: number): Buffer {
  const out = Buffer.allocUnsafe(5 + bodyLength);
  out[0] = type;
  out.writeInt32BE(bodyLength + 4, 1);
  return out;
}

/** Bytes `text` takes as a NUL-terminated UTF-8 string. */
export function cstringLength(text: string): number {
  return Buffer.byteLength(text, 'utf8') + 1;
}

/**
 * Writes `text` and its NUL at `offset`; returns the offset after the NUL. A NUL inside `text` would end
 * the string early and misalign every later field, so it becomes a space (same length, as measured).
 */
export function writeCString(out: Buffer, text: string, offset: number): number {
  const safe = text.includes('\0') ? text.replaceAll('\0', ' ') : text;
  const end = offset + out.write(safe, offset, 'utf8');
  out[end] = 0;
  return end + 1;
}

/** A message with an empty body, built once: these are sent unchanged millions of times. */
export function constantMessage(type: number): Uint8Array {
  return allocMessage(type, 0);
}

// Short ASCII strings (most column values: numbers, dates, identifiers) are measured and copied
// byte by byte: half the cost of Buffer.byteLength plus Buffer.write for a typical row.
const SHORT_TEXT = 64;

/** Bytes `text` takes as UTF-8. */
export function utf8Length(text: string): number {
  const n = text.length;
  if (n <= SHORT_TEXT) {
    let i = 0;
    while (i < n && text.charCodeAt(i) < 0x80) i++;
    if (i === n) return n;
  }
  return Buffer.byteLength(text, 'utf8');
}

/** Writes `text` as UTF-8 at `offset` (room for it must have been measured); returns the bytes written. */
export function writeUtf8(out: Buffer, text: string, offset: number): number {
  const n = text.length;
  if (n <= SHORT_TEXT) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      out[offset + i] = c;
    }
    if (i === n) return n;
  }
  return out.write(text, offset, 'utf8');
}
