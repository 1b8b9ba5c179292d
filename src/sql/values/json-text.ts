// JSON text as the server's json and jsonb input functions read it: json checks it and keeps it as
// written; jsonb also returns jsonb_out's canonical text. Used by the binary jsonb/json formats.
import { compareUtf8 } from '../../keyspace/text-key.js';
import { SwitchyardError } from '../../util/errors.js';
import { PgNumeric } from './pg-numeric.js';

/** A JSON literal or number token; what follows it is checked by the structure around it. */
const JSON_TOKEN = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** An object or array being read: its members so far (key '' in arrays) and the current key. */
interface JsonContainer {
  readonly open: '{' | '[';
  readonly members: [key: string, value: string][];
  key: string;
}

/**
 * Checks `text` as the server's JSON parser does and returns it unchanged, as json keeps it; with
 * `canonical`, returns jsonb_out's text instead: keys de-duplicated (the last wins) and sorted by
 * length then bytes, numbers as numeric prints them, strings re-escaped, `, ` and `: ` separators.
 * Only jsonb resolves escapes, so only jsonb refuses \u0000 and unpaired surrogates. Nesting is kept
 * on an explicit stack, so no depth exhausts the call stack.
 */
export function scanJson(text: string, canonical: boolean): string {
  const scanner = new JsonScanner(text, canonical);
  const value = scanner.value();
  return canonical ? value : text;
}

class JsonScanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly canonical: boolean,
  ) {}

  /** The whole text as one value (canonical text, or '' when only checking). */
  value(): string {
    const stack: JsonContainer[] = [];
    let value = '';
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === '{' || c === '[') {
        this.pos++;
        this.skipSpace();
        if (this.text[this.pos] !== (c === '{' ? '}' : ']')) {
          stack.push({ open: c, members: [], key: c === '{' ? this.key() : '' });
          continue;
        }
        this.pos++;
        value = c === '{' ? '{}' : '[]';
      } else {
        value = c === '"' ? this.quoted(this.string()) : this.token();
      }
      // A value is complete: add it to its container, closing every container that ends here.
      let container = stack.at(-1);
      for (; container; container = stack.at(-1)) {
        if (this.canonical) container.members.push([container.key, value]);
        this.skipSpace();
        const next = this.text[this.pos++];
        if (next === ',') {
          if (container.open === '{') container.key = this.key();
          break;
        }
        if (next !== (container.open === '{' ? '}' : ']'))
          this.fail('expected "," or the end of the container');
        stack.pop();
        value = this.canonical ? closeContainer(container) : '';
      }
      if (!container) break;
    }
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(why: string, code = '22P02'): never {
    throw new SwitchyardError(
      code,
      `invalid input syntax for type ${this.canonical ? 'jsonb' : 'json'}: ${why}`,
    );
  }

  private skipSpace(): void {
    const t = this.text;
    let c = t[this.pos];
    while (c === ' ' || c === '\t' || c === '\n' || c === '\r') c = t[++this.pos];
  }

  /** An object key and the colon after it. */
  private key(): string {
    this.skipSpace();
    if (this.text[this.pos] !== '"') this.fail('expected a string as an object key');
    const key = this.string();
    this.skipSpace();
    if (this.text[this.pos++] !== ':') this.fail('expected ":" after an object key');
    return key;
  }

  private quoted(s: string): string {
    return this.canonical ? quoteJsonb(s) : '';
  }

  /** true, false, null or a number (as numeric prints it, in canonical text). */
  private token(): string {
    JSON_TOKEN.lastIndex = this.pos;
    const token = JSON_TOKEN.exec(this.text)?.[0];
    if (token === undefined) return this.fail('invalid token');
    this.pos += token.length;
    const isNumber = token !== 'true' && token !== 'false' && token !== 'null';
    return this.canonical && isNumber ? PgNumeric.parse(token).toString() : token;
  }

  /** A string from its opening quote: its value with escapes resolved (only when canonical). */
  private string(): string {
    const t = this.text;
    let out = '';
    let high = -1;
    for (this.pos++; ; this.pos++) {
      let unit = t.charCodeAt(this.pos);
      if (Number.isNaN(unit)) this.fail('unterminated string');
      if (unit === 0x22) break;
      if (unit < 0x20) this.fail('control characters in strings must be escaped');
      if (unit === 0x5c) {
        const e = t[++this.pos];
        if (e === 'u') {
          const hex = t.slice(this.pos + 1, this.pos + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('"\\u" must be followed by four hexadecimal digits');
          unit = Number.parseInt(hex, 16);
          this.pos += 4;
          if (!this.canonical) continue;
          if (unit >= 0xd800 && unit <= 0xdbff) {
            if (high !== -1) this.fail('a Unicode high surrogate must not follow a high surrogate');
            high = unit;
            continue;
          }
          if (unit >= 0xdc00 && unit <= 0xdfff) {
            if (high === -1) this.fail('a Unicode low surrogate must follow a high surrogate');
            out += String.fromCharCode(high, unit);
            high = -1;
            continue;
          }
          if (unit === 0) this.fail('\\u0000 cannot be converted to text', '22P05');
        } else {
          const i = e === undefined ? -1 : '"\\/bfnrt'.indexOf(e);
          if (i < 0) this.fail('invalid escape sequence');
          unit = '"\\/\b\f\n\r\t'.charCodeAt(i);
        }
      }
      if (!this.canonical) continue;
      if (high !== -1) this.fail('a Unicode high surrogate must be followed by a low surrogate');
      out += String.fromCharCode(unit);
    }
    if (high !== -1) this.fail('a Unicode high surrogate must be followed by a low surrogate');
    this.pos++;
    return out;
  }
}

/** jsonb_out of a finished container. */
function closeContainer(container: JsonContainer): string {
  if (container.open === '[') return `[${container.members.map((m) => m[1]).join(', ')}]`;
  const byKey = new Map(container.members);
  const keys = [...byKey.keys()].sort(
    (a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || compareUtf8(a, b),
  );
  return `{${keys.map((k) => `${quoteJsonb(k)}: ${byKey.get(k)}`).join(', ')}}`;
}

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  34: '\\"',
  92: '\\\\',
  8: '\\b',
  12: '\\f',
  10: '\\n',
  13: '\\r',
  9: '\\t',
};

/** escape_json: the short escapes, \u00xx for other control characters, the rest verbatim. */
function quoteJsonb(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i) + (SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`);
    from = i + 1;
  }
  return `${out}${s.slice(from)}"`;
}
