// uuid shard key values: text in any form PostgreSQL's uuid_in accepts (hex digit pairs, a hyphen
// allowed after any even number of bytes but not at the end, optional braces, either case), read into
// the 16 bytes the server stores and hashes.
import { invalidKey } from './key-errors.js';
import type { KeyType, KeyValue } from './key-type.js';

const EXPECTED = 'a uuid such as a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Reads a uuid key into `out` (16 bytes), following PostgreSQL's string_to_uuid; throws 22P02. */
export function uuidBytesInto(value: KeyValue, out: Uint8Array, type: KeyType = 'uuid'): void {
  if (typeof value !== 'string') throw invalidKey(type, value, EXPECTED);
  const n = value.length;
  let p = 0;
  const braces = n > 0 && value.charCodeAt(0) === 123;
  if (braces) p++;
  for (let i = 0; i < 16; i++) {
    if (p + 1 >= n) throw invalidKey(type, value, EXPECTED);
    const h = hexDigit(value.charCodeAt(p));
    const l = hexDigit(value.charCodeAt(p + 1));
    if (h < 0 || l < 0) throw invalidKey(type, value, EXPECTED);
    out[i] = (h << 4) | l;
    p += 2;
    if (p < n && value.charCodeAt(p) === 45 && i % 2 === 1 && i < 15) p++;
  }
  if (braces) {
    if (p >= n || value.charCodeAt(p) !== 125) throw invalidKey(type, value, EXPECTED);
    p++;
  }
  if (p !== n) throw invalidKey(type, value, EXPECTED);
}

const HEX = '0123456789abcdef';
const canonicalScratch = new Uint8Array(16);

/** The canonical text of a uuid key (lowercase, 8-4-4-4-12), whose order is the server's uuid order. */
export function canonicalUuid(value: KeyValue, type: KeyType = 'uuid'): string {
  uuidBytesInto(value, canonicalScratch, type);
  let text = '';
  for (let i = 0; i < 16; i++) {
    const b = canonicalScratch[i]!;
    text += HEX[b >> 4]! + HEX[b & 15]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) text += '-';
  }
  return text;
}
