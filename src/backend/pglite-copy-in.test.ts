import { describe, expect, it } from 'vitest';
import type { Frame } from '../protocol/message-framer.js';
import { errorResponseMessage } from './error-response.js';
import { abortedCopyIn, extendedCopyInRefusal, isSentinelError, mayStartCopyIn } from './pglite-copy-in.js';

const text = (s: string) => new TextEncoder().encode(s);

function frame(type: string, body: Uint8Array = new Uint8Array(0)): Frame {
  const raw = new Uint8Array(5 + body.length);
  raw[0] = type.charCodeAt(0);
  new DataView(raw.buffer).setInt32(1, body.length + 4);
  raw.set(body, 5);
  return { type: raw[0]!, raw, body: raw.subarray(5) };
}

function errorFrame(code: string, message: string): Frame {
  const raw = errorResponseMessage({ code, message });
  return { type: raw[0]!, raw, body: raw.subarray(5) };
}

const sentinelError = errorFrame('57014', 'COPY from stdin failed: switchyard: end of buffered input');

describe('mayStartCopyIn', () => {
  it('is true whenever both words appear, in any case, and false otherwise', () => {
    expect(mayStartCopyIn(text('COPY t FROM STDIN\0'))).toBe(true);
    expect(mayStartCopyIn(text('copy t (a, b) from stdin with (format csv)\0'))).toBe(true);
    expect(mayStartCopyIn(text('/* x */ Copy t FROM StdIn\0'))).toBe(true);
    expect(mayStartCopyIn(text('COPY t TO STDOUT\0'))).toBe(false);
    expect(mayStartCopyIn(text('SELECT 1\0'))).toBe(false);
    expect(mayStartCopyIn(text('cop\0'))).toBe(false);
  });
});

describe('abortedCopyIn', () => {
  it('finds a CopyInResponse followed by the sentinel error', () => {
    expect(abortedCopyIn([frame('C'), frame('G'), sentinelError, frame('Z', text('I'))])).toBe(1);
    expect(isSentinelError(sentinelError)).toBe(true);
  });

  it('ignores a COPY that ended otherwise, and errors of other kinds', () => {
    expect(abortedCopyIn([frame('G'), frame('C'), frame('Z', text('I'))])).toBe(-1);
    expect(abortedCopyIn([frame('G'), errorFrame('22P02', 'bad data'), frame('Z', text('I'))])).toBe(-1);
    expect(abortedCopyIn([errorFrame('57014', 'COPY from stdin failed: nope')])).toBe(-1);
    expect(isSentinelError(errorFrame('57014', 'COPY from stdin failed: nope'))).toBe(false);
  });

  it('words the refusal of extended-protocol COPY with a hint', () => {
    const refusal = extendedCopyInRefusal('s1');
    expect(refusal.type).toBe('E'.charCodeAt(0));
    expect(new TextDecoder().decode(refusal.body)).toContain('C0A000');
  });
});
