import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { cstr, frameUntyped, hex, i32 } from '../../../test/wire/support/frames.js';
import { decodeStartupPacket } from './decode-startup-packet.js';
import type { StartupPacket } from './frontend-message.js';
import { ProtocolError } from './protocol-error.js';

function packet(body: readonly number[]): Uint8Array {
  return Uint8Array.from([...i32(body.length + 4), ...body]);
}
function plain(p: StartupPacket): Record<string, unknown> {
  const { raw: _raw, ...rest } = p;
  return { ...rest, ...('parameters' in rest ? { parameters: { ...rest.parameters } } : {}) };
}

describe('decodeStartupPacket', () => {
  it('decodes a StartupMessage as node-postgres sends it', () => {
    const raw = Uint8Array.from(
      serialize.startup({
        user: 'alice',
        database: 'shop',
        application_name: 'app',
        client_encoding: 'UTF8',
      }),
    );
    const decoded = decodeStartupPacket(frameUntyped(raw));
    expect(plain(decoded)).toEqual({
      type: 'StartupMessage',
      protocolVersion: 196608,
      parameters: { user: 'alice', database: 'shop', application_name: 'app', client_encoding: 'UTF8' },
    });
    expect(hex(decoded.raw)).toBe(hex(raw));
  });

  it('matches a hand-written StartupMessage fixture', () => {
    const raw = packet([0, 3, 0, 0, ...cstr('user'), ...cstr('u'), 0]);
    expect(hex(raw)).toBe('00000010000300007573657200750000');
    expect(plain(decodeStartupPacket(frameUntyped(raw)))).toEqual({
      type: 'StartupMessage',
      protocolVersion: 196608,
      parameters: { user: 'u' },
    });
  });

  it('keeps a parameter named __proto__ as a plain key', () => {
    const raw = packet([
      ...i32(196608),
      ...cstr('__proto__'),
      ...cstr('x'),
      ...cstr('user'),
      ...cstr('u'),
      0,
    ]);
    const decoded = decodeStartupPacket(frameUntyped(raw));
    if (decoded.type !== 'StartupMessage') throw new Error('expected StartupMessage');
    expect(Object.keys(decoded.parameters).sort()).toEqual(['__proto__', 'user']);
    expect(Object.entries(decoded.parameters)).toContainEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(decoded.parameters)).toBeNull();
  });

  it('decodes SSLRequest, GSSENCRequest and CancelRequest', () => {
    expect(plain(decodeStartupPacket(frameUntyped(Uint8Array.from(serialize.requestSsl()))))).toEqual({
      type: 'SSLRequest',
    });
    expect(plain(decodeStartupPacket(frameUntyped(packet(i32(80877104)))))).toEqual({
      type: 'GSSENCRequest',
    });
    expect(plain(decodeStartupPacket(frameUntyped(Uint8Array.from(serialize.cancel(1234, -5)))))).toEqual({
      type: 'CancelRequest',
      processId: 1234,
      secretKey: -5,
    });
  });

  it('returns other protocol versions for the caller to refuse or negotiate', () => {
    // 3.2 is parsed (same format); 2.0 and unknown negotiation codes are not.
    const v32 = decodeStartupPacket(frameUntyped(packet([0, 3, 0, 2, ...cstr('user'), ...cstr('u'), 0])));
    expect(plain(v32)).toEqual({
      type: 'StartupMessage',
      protocolVersion: 0x30002,
      parameters: { user: 'u' },
    });
    const v2 = decodeStartupPacket(frameUntyped(packet([0, 2, 0, 0, 1, 2, 3])));
    expect(plain(v2)).toEqual({ type: 'StartupMessage', protocolVersion: 0x20000, parameters: {} });
  });

  const malformed: [string, Uint8Array, RegExp][] = [
    [
      'a parameter list without its terminator',
      packet([...i32(196608), ...cstr('user'), ...cstr('u')]),
      /missing its terminating NUL/,
    ],
    ['a value without NUL', packet([...i32(196608), ...cstr('user'), 0x75]), /missing its NUL terminator/],
    [
      'bytes after the terminator',
      packet([...i32(196608), ...cstr('user'), ...cstr('u'), 0, 9]),
      /1 unexpected bytes/,
    ],
    ['an SSLRequest with extra bytes', packet([...i32(80877103), 0]), /1 unexpected bytes/],
    ['a CancelRequest cut short', packet([...i32(80877102), ...i32(1)]), /expected an Int32/],
    ['a packet without a code', packet([1, 2]), /expected an Int32/],
  ];
  for (const [name, raw, pattern] of malformed) {
    it(`refuses ${name} with a ProtocolError 08P01`, () => {
      expect(() => decodeStartupPacket(frameUntyped(raw))).toThrow(ProtocolError);
      expect(() => decodeStartupPacket(frameUntyped(raw))).toThrow(pattern);
    });
  }
});
