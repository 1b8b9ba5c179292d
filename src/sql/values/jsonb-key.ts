// A GROUP BY key for jsonb. The server's jsonb output is already canonical (keys sorted and
// de-duplicated, fixed spacing) except for numbers: jsonb compares numbers as numeric, so 1.0 and 1
// are equal but print differently. The key rewrites every number token in its numeric group key.
import { PgNumeric } from './pg-numeric.js';

/** The group key of jsonb output text: the text with each number replaced by its numeric key. */
export function jsonbGroupKey(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '"') {
      // Copy a string token whole, escapes included, so digits inside strings stay untouched.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      const token = m?.[0] ?? c;
      out += `#${PgNumeric.parse(token).groupKey()}`;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
