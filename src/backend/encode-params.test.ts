import { describe, expect, it } from 'vitest';
import { encodeParams } from './encode-params.js';

describe('encodeParams', () => {
  it('sends every parameter in text format', () => {
    expect(
      encodeParams([
        'a',
        '',
        42,
        -0.5,
        2n ** 64n,
        true,
        false,
        null,
        new Uint8Array([0, 15, 255]),
        Number.NaN,
      ]),
    ).toEqual(['a', '', '42', '-0.5', '18446744073709551616', 'true', 'false', null, '\\x000fff', 'NaN']);
  });

  it('treats missing parameters as none', () => {
    expect(encodeParams(undefined)).toEqual([]);
  });
});
