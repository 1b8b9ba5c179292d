import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SwitchyardError } from '../util/errors.js';
import { compareUtf8, utf8Scratch } from './text-key.js';

// Any UTF-16 string, lone surrogates included.
const anyString = fc.string({ unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const mixed = fc.oneof(anyString, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));

describe('utf8Scratch', () => {
  it('encodes as Buffer.from(text, "utf8") does, lone surrogates becoming U+FFFD', () => {
    fc.assert(
      fc.property(
        mixed.filter((s) => !s.includes('\0')),
        (s) => {
          const { bytes, length } = utf8Scratch(s);
          expect(Buffer.from(bytes.subarray(0, length)).equals(Buffer.from(s, 'utf8'))).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('grows its buffer for long text', () => {
    const s = '日本'.repeat(10_000);
    expect(utf8Scratch(s).length).toBe(60_000);
  });

  it('rejects U+0000 with 22021 and non-strings with 22P02', () => {
    expect(() => utf8Scratch('a\0b')).toThrow(expect.objectContaining({ code: '22021' }) as SwitchyardError);
    expect(() => utf8Scratch(42)).toThrow(expect.objectContaining({ code: '22P02' }) as SwitchyardError);
  });
});

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes compare (the C collation)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 5000 },
    );
  });

  it('puts characters above U+FFFF after U+E000..U+FFFF, unlike JS string order', () => {
    const astral = '\u{1F600}';
    const privateUse = '\uE000';
    expect(astral < privateUse).toBe(true);
    expect(compareUtf8(astral, privateUse)).toBeGreaterThan(0);
  });
});
