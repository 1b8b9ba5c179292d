// Text shard key values as the server sees them: UTF-8 bytes. The encoder is hand-written because it
// runs for every routed row: TextEncoder.encodeInto costs a native call per string, ~3x this loop for
// the short keys shards see. Lone surrogates become U+FFFD, as Buffer.from(text, 'utf8') (what pg and
// PGlite send) does, so the bytes hashed are the bytes the server stores.
import { SwitchyardError } from '../util/errors.js';
import { invalidKey, KeyErrorCode } from './key-errors.js';
import type { KeyType, KeyValue } from './key-type.js';

let scratch = new Uint8Array(256);
const result = { bytes: scratch, length: 0 };

/**
 * Encodes a text key as UTF-8 into a shared scratch buffer and returns it with the byte count; the
 * buffer is overwritten by the next call. Throws 22021 for U+0000, which PostgreSQL text cannot hold.
 */
export function utf8Scratch(value: KeyValue, type: KeyType = 'text'): { bytes: Uint8Array; length: number } {
  if (typeof value !== 'string') throw invalidKey(type, value, 'a string');
  const length = encodeUtf8(value, type);
  result.bytes = scratch;
  result.length = length;
  return result;
}

function encodeUtf8(text: string, type: KeyType): number {
  const n = text.length;
  if (scratch.length < n * 3) scratch = new Uint8Array(Math.max(n * 3, scratch.length * 2));
  const out = scratch;
  let p = 0;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) throw nulCharacter(type);
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

function nulCharacter(type: KeyType): SwitchyardError {
  return new SwitchyardError(
    KeyErrorCode.badCharacter,
    `shard key of type ${type} contains the character U+0000, which PostgreSQL text cannot store`,
  );
}

/**
 * Compares two strings as the C collation compares their UTF-8 bytes (that is, by code point), which
 * differs from `<` on JS strings when a character above U+FFFF meets one in U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrder(x) - codePointOrder(y);
  }
  return a.length - b.length;
}

// Moves surrogates (U+D800..U+DFFF, which encode U+10000 and up) above U+E000..U+FFFF, keeping the
// order of everything else: then the first differing UTF-16 unit orders like the code points.
function codePointOrder(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
