import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeyParam } from './key-param.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('decodeKeyParam', () => {
  it('reads text-format parameters as their text, for every key type', () => {
    expect(decodeKeyParam(text('42'), 0, 'int8')).toBe('42');
    expect(decodeKeyParam(text('héllo'), 0, 'text')).toBe('héllo');
    expect(decodeKeyParam(text('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'), 0, 'uuid')).toBe(
      'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    );
  });

  it('reads binary integers by their length, big-endian', () => {
    expect(decodeKeyParam(Uint8Array.of(0xff, 0xfe), 1, 'int2')).toBe(-2);
    expect(decodeKeyParam(Uint8Array.of(0, 0, 1, 0), 1, 'int8')).toBe(256);
    expect(decodeKeyParam(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0), 1, 'int8')).toBe(-(2n ** 63n));
    expect(decodeKeyParam(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 7), 1, 'int4')).toBe(7);
  });

  it('property: an int8 sent in binary decodes to the same value as its text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigInt64(0, n);
        expect(BigInt(decodeKeyParam(bytes, 1, 'int8'))).toBe(n);
      }),
    );
  });

  it('reads binary uuids as canonical text and binary text as UTF-8', () => {
    const uuid = Uint8Array.from(Buffer.from('a0eebc999c0b4ef8bb6d6bb9bd380a11', 'hex'));
    expect(decodeKeyParam(uuid, 1, 'uuid')).toBe('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    expect(decodeKeyParam(text('ü'), 1, 'varchar')).toBe('ü');
  });

  it('lets the Parse type decide how binary bytes read', () => {
    expect(decodeKeyParam(text('42'), 1, 'int8', 25)).toBe('42');
    expect(decodeKeyParam(Uint8Array.of(0, 0, 0, 9), 1, 'text', 23)).toBe(9);
  });

  it('refuses bytes that are not a value of the type, without repeating them', () => {
    expect(() => decodeKeyParam(Uint8Array.of(1, 2, 3), 1, 'int8')).toThrow(
      expect.objectContaining({
        code: '22P02',
        message: 'a binary integer shard key parameter has 3 bytes; expected 2, 4 or 8',
      }),
    );
    expect(() => decodeKeyParam(Uint8Array.of(1, 2), 1, 'uuid')).toThrow(
      expect.objectContaining({ code: '22P02' }),
    );
    expect(() => decodeKeyParam(Uint8Array.of(0xc3, 0x28), 0, 'text')).toThrow(
      expect.objectContaining({ code: '22021' }),
    );
  });
});
