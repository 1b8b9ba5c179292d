import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { cstr, cutsOf, frameAll, frameChunks, i32, message } from '../../../test/wire/support/frames.js';
import { decodeAuthenticationResponse } from './decode-password-message.js';

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('latin1'));

describe('decodeAuthenticationResponse', () => {
  it('decodes a PasswordMessage', () => {
    const frame = frameAll(Uint8Array.from(serialize.password('pw')))[0]!;
    const decoded = decodeAuthenticationResponse(frame, 'password');
    expect(decoded).toMatchObject({ type: 'PasswordMessage', password: 'pw' });
  });

  it('decodes a SASLInitialResponse and a SASLResponse as node-postgres sends them, at every cut', () => {
    const initial = Uint8Array.from(
      serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=*,r=abc'),
    );
    const final = Uint8Array.from(serialize.sendSCRAMClientFinalMessage('c=biws,r=abcdef,p=xyz'));
    const stream = Uint8Array.from([...initial, ...final]);
    for (const [head, tail] of cutsOf(stream)) {
      const [first, second] = frameChunks([head, tail]);
      const a = decodeAuthenticationResponse(first!, 'sasl-initial');
      const b = decodeAuthenticationResponse(second!, 'sasl-response');
      if (a.type !== 'SASLInitialResponse' || b.type !== 'SASLResponse') throw new Error('wrong types');
      expect([a.mechanism, text(a.data), text(b.data)]).toEqual([
        'SCRAM-SHA-256',
        'n,,n=*,r=abc',
        'c=biws,r=abcdef,p=xyz',
      ]);
    }
  });

  it('decodes a SASLInitialResponse without data (length -1)', () => {
    const frame = frameAll(message('p', [...cstr('SCRAM-SHA-256'), ...i32(-1)]))[0]!;
    expect(decodeAuthenticationResponse(frame, 'sasl-initial')).toMatchObject({
      mechanism: 'SCRAM-SHA-256',
      data: null,
    });
  });

  it('refuses malformed or unexpected messages', () => {
    const overrun = frameAll(message('p', [...cstr('SCRAM-SHA-256'), ...i32(10), 1]))[0]!;
    expect(() => decodeAuthenticationResponse(overrun, 'sasl-initial')).toThrow(/expected 10 bytes/);
    const negative = frameAll(message('p', [...cstr('SCRAM-SHA-256'), ...i32(-7)]))[0]!;
    expect(() => decodeAuthenticationResponse(negative, 'sasl-initial')).toThrow(/invalid data length -7/);
    const noNul = frameAll(message('p', [0x61, 0x62]))[0]!;
    expect(() => decodeAuthenticationResponse(noNul, 'password')).toThrow(/missing its NUL/);
    const query = frameAll(Uint8Array.from(serialize.query('select 1')))[0]!;
    expect(() => decodeAuthenticationResponse(query, 'sasl-initial')).toThrow(
      /expected an authentication response/,
    );
  });
});
