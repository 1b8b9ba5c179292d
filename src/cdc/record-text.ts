// Reads a row value as record_out prints it, `(1,"a b",,"x""y")`: fields separated by commas, an
// empty unquoted field is NULL, a quoted field doubles `"` and `\` (and may be the empty string).
// PGlite's changelog stores rows this way (`NEW::text`), so each value is the column type's own
// text output, the same text logical replication sends. Pure.
import { CdcError, CdcErrorCode } from './cdc-error.js';

/**
 * The fields of a record's text.
 *
 * @example parseRecordText('(1,"a b",,"x""y")') // ['1', 'a b', null, 'x"y']
 * @throws CdcError 08P01 for text that is not a record.
 */
export function parseRecordText(text: string): (string | null)[] {
  if (text.length < 2 || text[0] !== '(' || text[text.length - 1] !== ')') throw malformed('no parentheses');
  const fields: (string | null)[] = [];
  const end = text.length - 1;
  let pos = 1;
  for (;;) {
    if (text[pos] === '"') {
      let value = '';
      pos++;
      for (;;) {
        if (pos >= end) throw malformed('an unterminated quoted field');
        const quote = text.indexOf('"', pos);
        const backslash = text.indexOf('\\', pos);
        if (quote < 0 || quote >= end + 1) throw malformed('an unterminated quoted field');
        if (backslash >= 0 && backslash < quote) {
          value += text.slice(pos, backslash) + (text[backslash + 1] ?? '');
          pos = backslash + 2;
        } else if (text[quote + 1] === '"') {
          value += `${text.slice(pos, quote)}"`;
          pos = quote + 2;
        } else {
          value += text.slice(pos, quote);
          pos = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      let next = pos;
      while (next < end && text[next] !== ',') next++;
      fields.push(next === pos ? null : text.slice(pos, next));
      pos = next;
    }
    if (pos === end) return fields;
    if (text[pos] !== ',') throw malformed('a quoted field followed by more text');
    pos++;
  }
}

function malformed(why: string): CdcError {
  return new CdcError(CdcErrorCode.protocolViolation, `a changelog row is not a record's text (${why})`);
}
