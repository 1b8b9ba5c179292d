import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur3x64_128, murmur3x86_32 } from './murmur3.js';
import { Murmur3Hasher } from './murmur3-hasher.js';

// The second oracle: an independent JS implementation checked against the C++ reference.
const reference = createRequire(import.meta.url)('murmurhash3js-revisited') as {
  x86: { hash32(bytes: Uint8Array, seed?: number): number };
  x64: { hash128(bytes: Uint8Array, seed?: number): string };
};

const utf8 = (s: string) => new TextEncoder().encode(s);

function x64Hex(data: Uint8Array, seed: number): string {
  const out = new Int32Array(4);
  murmur3x64_128(data, data.length, seed, out);
  return [...out].map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

function signed64(hex: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${hex}`));
}

/** SMHasher's VerificationTest: hash {}, {0}, {0,1}, … with seed 256 - i, then hash the digests. */
function verification(hash: (key: Uint8Array, seed: number) => Uint8Array, bytes: number): number {
  const key = new Uint8Array(256);
  const digests = new Uint8Array(256 * bytes);
  for (let i = 0; i < 256; i++) {
    key[i] = i;
    digests.set(hash(key.subarray(0, i), 256 - i), i * bytes);
  }
  const final = hash(digests, 0);
  return (final[0]! | (final[1]! << 8) | (final[2]! << 16) | (final[3]! << 24)) >>> 0;
}

describe('murmur3x86_32', () => {
  it("matches SMHasher's verification value 0xB0F57EE3", () => {
    const hash = (key: Uint8Array, seed: number) => {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, murmur3x86_32(key, key.length, seed), true);
      return out;
    };
    expect(verification(hash, 4)).toBe(0xb0f57ee3);
  });

  it('matches published test vectors', () => {
    const vectors: [string, number, number][] = [
      ['', 0, 0],
      ['', 1, 0x514e28b7],
      ['', 0xffffffff, 0x81f16f39],
      ['\0\0\0\0', 0, 0x2362f9de],
      ['a', 0x9747b28c, 0x7fa09ea6],
      ['ab', 0x9747b28c, 0x74875592],
      ['abc', 0x9747b28c, 0xc84a62dd],
      ['abcd', 0x9747b28c, 0xf0478627],
      ['abc', 0, 0xb3dd93fa],
      ['Hello, world!', 0x9747b28c, 0x24884cba],
      ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
      ['ππππππππ', 0x9747b28c, 0xd58063c1],
      ['a'.repeat(256), 0x9747b28c, 0x37405bdc],
    ];
    for (const [text, seed, expected] of vectors) {
      const bytes = utf8(text);
      expect(murmur3x86_32(bytes, bytes.length, seed), `${JSON.stringify(text)} seed ${seed}`).toBe(expected);
    }
  });

  it('equals murmurhash3js-revisited on random bytes and seeds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 0xffffffff }), (data, seed) => {
        expect(murmur3x86_32(data, data.length, seed)).toBe(reference.x86.hash32(data, seed));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('murmur3x64_128', () => {
  it("matches SMHasher's verification value 0x6384BA69", () => {
    const hash = (key: Uint8Array, seed: number) => {
      const out = new Int32Array(4);
      murmur3x64_128(key, key.length, seed, out);
      const digest = new Uint8Array(16);
      const view = new DataView(digest.buffer);
      // h1 then h2, each a little-endian uint64, as the reference writes them.
      view.setUint32(0, out[1]!, true);
      view.setUint32(4, out[0]!, true);
      view.setUint32(8, out[3]!, true);
      view.setUint32(12, out[2]!, true);
      return digest;
    };
    expect(verification(hash, 16)).toBe(0x6384ba69);
  });

  it("matches published vectors (Python mmh3's hash64: h1, h2 as signed int8)", () => {
    const vectors: [string, number, bigint, bigint][] = [
      ['foo', 0, -2129773440516405919n, 9128664383759220103n],
      ['foo', 42, -840311307571801102n, -6739155424061121879n],
      ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 8325606756057297185n, -484854449282476315n],
      ['', 0, 0n, 0n],
    ];
    for (const [text, seed, h1, h2] of vectors) {
      const hex = x64Hex(utf8(text), seed);
      expect([signed64(hex.slice(0, 16)), signed64(hex.slice(16))]).toEqual([h1, h2]);
    }
  });

  it('equals murmurhash3js-revisited on random bytes and seeds (every tail length)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat({ max: 0xffffffff }), (data, seed) => {
        expect(x64Hex(data, seed)).toBe(reference.x64.hash128(data, seed));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Murmur3Hasher', () => {
  const hasher = new Murmur3Hasher();

  it('maps an integer to h1 of its 8 little-endian bytes, the same for int2, int4 and int8', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (v) => {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigInt64(0, BigInt(v), true);
        const h1 = signed64(reference.x64.hash128(bytes, 0).slice(0, 16));
        expect(hasher.point(['int8'], [v])).toBe(h1);
        expect(hasher.point(['int4'], [v])).toBe(h1);
        expect(hasher.point(['int2'], [String(v)])).toBe(h1);
      }),
    );
    const max = 2n ** 63n - 1n;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigInt64(0, max, true);
    expect(hasher.point(['int8'], [String(max)])).toBe(
      signed64(reference.x64.hash128(bytes, 0).slice(0, 16)),
    );
  });

  it('maps text to h1 of its UTF-8 bytes and a uuid to h1 of its 16 bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0')),
        (s) => {
          expect(hasher.point(['text'], [s])).toBe(signed64(reference.x64.hash128(utf8(s), 0).slice(0, 16)));
        },
      ),
    );
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const bytes = Buffer.from(uuid.replaceAll('-', ''), 'hex');
    expect(hasher.point(['uuid'], [uuid.toUpperCase()])).toBe(
      signed64(reference.x64.hash128(bytes, 0).slice(0, 16)),
    );
  });
});
