import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyRowParser } from './copy-in-router.js';
import type { CopyPiece } from './copy-piece.js';
import type { CopyFormat } from './copy-plan.js';

const TEXT: CopyFormat = {
  format: 'text',
  delimiter: '\t',
  null: '\\N',
  header: false,
  quote: '"',
  escape: '"',
  forceNull: [],
  forceNotNull: [],
  default: undefined,
};
const CSV: CopyFormat = { ...TEXT, format: 'csv', delimiter: ',', null: '' };
const BINARY: CopyFormat = { ...TEXT, format: 'binary' };

const bytes = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Parses `data` pushed in the chunks `cuts` splits it into. */
function parse(format: CopyFormat, positions: number[], data: Uint8Array, cuts: number[] = []): CopyPiece[] {
  const parser = copyRowParser(
    format,
    positions,
    positions.map((p) => `c${p}`),
  );
  const pieces: CopyPiece[] = [];
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    pieces.push(...parser.push(data.subarray(at, cut)));
    at = cut;
  }
  pieces.push(...parser.push(data.subarray(at)));
  pieces.push(...parser.finish());
  return pieces;
}

const summary = (pieces: CopyPiece[]) =>
  pieces.map((p) => (p.type === 'row' ? { row: str(p.bytes), keys: p.keys } : { [p.type]: str(p.bytes) }));

describe('text format', () => {
  it('cuts rows at line endings and reads key fields with escapes resolved', () => {
    const data = bytes('1\ta\\tb\n2\t\\N\n\\x41\\101\\\\\t\\\n\n');
    expect(summary(parse(TEXT, [0, 1], data))).toEqual([
      { row: '1\ta\\tb\n', keys: ['1', 'a\tb'] },
      { row: '2\t\\N\n', keys: ['2', null] },
      { row: '\\x41\\101\\\\\t\\\n\n', keys: ['AA\\', '\n'] },
    ]);
  });

  it('sends a header line as the prologue and stops at `\\.`', () => {
    const data = bytes('id\tname\n1\tx\n\\.\n2\ty\n');
    expect(summary(parse({ ...TEXT, header: true }, [0], data))).toEqual([
      { prologue: 'id\tname\n' },
      { row: '1\tx\n', keys: ['1'] },
    ]);
  });

  it('accepts CR LF and CR line endings and a last line without one', () => {
    expect(summary(parse(TEXT, [0], bytes('1\tx\r\n2\ty\r\n')))).toEqual([
      { row: '1\tx\r\n', keys: ['1'] },
      { row: '2\ty\r\n', keys: ['2'] },
    ]);
    expect(summary(parse(TEXT, [1], bytes('a\t1\rb\t2\r')))).toEqual([
      { row: 'a\t1\r', keys: ['1'] },
      { row: 'b\t2\r', keys: ['2'] },
    ]);
    expect(summary(parse(TEXT, [0], bytes('1\tx\n2\ty')))).toEqual([
      { row: '1\tx\n', keys: ['1'] },
      { row: '2\ty\n', keys: ['2'] },
    ]);
  });

  it('reports a row too short for its key column as PostgreSQL does', () => {
    expect(() => parse(TEXT, [2], bytes('1\tx\n'))).toThrow(
      expect.objectContaining({ code: '22P04', message: 'missing data for column "c2"' }),
    );
  });

  it('refuses a key left to the DEFAULT marker', () => {
    expect(() => parse({ ...TEXT, default: '\\D' }, [0], bytes('\\D\tx\n'))).toThrow(
      expect.objectContaining({ code: '0A000' }),
    );
  });
});

describe('CSV format', () => {
  it('keeps delimiters, quotes and line endings inside quotes as data', () => {
    const data = bytes('"1,5",plain,"multi\nline ""quoted"""\n2,"",\n');
    expect(summary(parse(CSV, [0, 2], data))).toEqual([
      { row: '"1,5",plain,"multi\nline ""quoted"""\n', keys: ['1,5', 'multi\nline "quoted"'] },
      { row: '2,"",\n', keys: ['2', null] },
    ]);
  });

  it('reads an unquoted empty field as NULL and a quoted one as an empty string', () => {
    expect(summary(parse(CSV, [0, 1], bytes(',""\n')))).toEqual([{ row: ',""\n', keys: [null, ''] }]);
  });

  it('honours FORCE_NULL, FORCE_NOT_NULL, a custom escape and a header', () => {
    const format: CopyFormat = {
      ...CSV,
      header: true,
      escape: '\\',
      forceNull: ['c1'],
      forceNotNull: ['c0'],
    };
    const data = bytes('k,v\n,""\n"a\\"b",x\n');
    expect(summary(parse(format, [0, 1], data))).toEqual([
      { prologue: 'k,v\n' },
      { row: ',""\n', keys: ['', null] },
      { row: '"a\\"b",x\n', keys: ['a"b', 'x'] },
    ]);
  });

  it('reads a quote in the middle of a field as PostgreSQL does', () => {
    expect(summary(parse(CSV, [0], bytes('ab"c,d"e,f\n')))).toEqual([
      { row: 'ab"c,d"e,f\n', keys: ['abc,de'] },
    ]);
  });

  it('reports a row too short for its key column', () => {
    expect(() => parse(CSV, [1], bytes('1\n'))).toThrow(expect.objectContaining({ code: '22P04' }));
  });
});

describe('binary format', () => {
  const header = Uint8Array.from([...bytes('PGCOPY\n'), 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
  const field = (value: Uint8Array | null) => {
    const out = new Uint8Array(4 + (value?.byteLength ?? 0));
    new DataView(out.buffer).setInt32(0, value === null ? -1 : value.byteLength);
    if (value) out.set(value, 4);
    return out;
  };
  const tuple = (...fields: (Uint8Array | null)[]) => {
    const count = new Uint8Array(2);
    new DataView(count.buffer).setInt16(0, fields.length);
    return Buffer.concat([count, ...fields.map(field)]);
  };
  const int8 = (n: bigint) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, n);
    return out;
  };
  const trailer = Uint8Array.of(0xff, 0xff);

  it('cuts the header, tuples and trailer, at every split of the data', () => {
    const rows = [tuple(int8(1n), bytes('a')), tuple(int8(-5n), null), tuple(null, bytes(''))];
    const data = new Uint8Array(Buffer.concat([header, ...rows, trailer]));
    const whole = parse(BINARY, [0], data);
    expect(whole.map((p) => p.type)).toEqual(['prologue', 'row', 'row', 'row', 'epilogue']);
    expect(whole[1]).toEqual({ type: 'row', bytes: new Uint8Array(rows[0] ?? []), keys: [int8(1n)] });
    expect(whole[3]).toMatchObject({ keys: [null] });
    for (let cut = 0; cut <= data.byteLength; cut++) expect(parse(BINARY, [0], data, [cut])).toEqual(whole);
  });

  it('refuses data that is not binary COPY or ends inside a tuple', () => {
    expect(() => parse(BINARY, [0], bytes('1\tx\n2\ty\n3\tz\n'))).toThrow(/signature not recognized/);
    expect(() =>
      parse(BINARY, [0], new Uint8Array(Buffer.concat([header, tuple(int8(1n)).subarray(0, 5)]))),
    ).toThrow(/unexpected EOF in COPY data/);
  });
});

describe('any split of the data gives the same pieces', () => {
  const value = fc.oneof(
    fc.constant(null),
    fc.string({ unit: fc.constantFrom('a', 'é', '☃', '\t', '\n', '\r', '\\', '"', ',', 'N', '.', ' ') }),
  );
  const encodeText = (v: string | null) =>
    v === null
      ? '\\N'
      : v.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
  const encodeCsv = (v: string | null) =>
    v === null ? '' : /[",\n\r]/.test(v) || v === '' || v === '\\.' ? `"${v.replaceAll('"', '""')}"` : v;

  for (const [format, encode, delimiter] of [
    [TEXT, encodeText, '\t'],
    [CSV, encodeCsv, ','],
  ] as const) {
    it(`property: ${format.format} rows with any field values, cut anywhere`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), value, value), {
            minLength: 1,
            maxLength: 6,
          }),
          fc.array(fc.nat(), { maxLength: 5 }),
          fc.constantFrom('\n', '\r\n'),
          (rows, cutSeeds, newline) => {
            const lines = rows.map(
              ([key, a, b]) => [encode(a), encode(key.toString()), encode(b)].join(delimiter) + newline,
            );
            const data = bytes(lines.join(''));
            const cuts = cutSeeds.map((c) => c % (data.byteLength + 1));
            const pieces = parse(format, [1, 2], data, cuts);
            expect(pieces.map((p) => (p.type === 'row' ? str(p.bytes) : p.type))).toEqual(lines);
            expect(pieces.map((p) => (p.type === 'row' ? p.keys : []))).toEqual(
              rows.map(([key, , b]) => [key.toString(), b]),
            );
          },
        ),
      );
    });
  }
});
