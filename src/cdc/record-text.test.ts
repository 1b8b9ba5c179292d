import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecordText } from './record-text.js';

describe('parseRecordText', () => {
  it('reads plain, quoted, empty and NULL fields', () => {
    expect(parseRecordText('(1,"a b",,"x""y")')).toEqual(['1', 'a b', null, 'x"y']);
    expect(parseRecordText('("")')).toEqual(['']);
    expect(parseRecordText('()')).toEqual([null]);
    expect(parseRecordText('(,)')).toEqual([null, null]);
    expect(parseRecordText('("a\\\\b","(,)")')).toEqual(['a\\b', '(,)']);
    expect(parseRecordText('("{1,2}","2024-01-01 00:00:00+00")')).toEqual([
      '{1,2}',
      '2024-01-01 00:00:00+00',
    ]);
  });

  it('refuses text that is not a record', () => {
    expect(() => parseRecordText('1,2')).toThrow(/not a record/);
    expect(() => parseRecordText('("abc)')).toThrow(/unterminated/);
    expect(() => parseRecordText('("a"b)')).toThrow(/followed by more text/);
  });
});

/** record_out's quoting, for the round trip. */
function formatRecordText(fields: readonly (string | null)[]): string {
  const parts = fields.map((field) => {
    if (field === null) return '';
    const quote = field === '' || /["\\(),\s]/.test(field);
    const body = field.replace(/["\\]/g, (c) => c + c);
    return quote ? `"${body}"` : body;
  });
  return `(${parts.join(',')})`;
}

describe('parseRecordText round trip', () => {
  it('reads back whatever record_out prints', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.string({ unit: 'binary' }), { nil: null }), { minLength: 1 }),
        (fields) => {
          expect(parseRecordText(formatRecordText(fields))).toEqual(fields);
        },
      ),
      { numRuns: 500 },
    );
  });
});
