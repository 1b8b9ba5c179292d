import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FramingError, MessageFramer } from './message-framer.js';

function message(type: string, body: number[]): number[] {
  const length = body.length + 4;
  return [
    type.charCodeAt(0),
    length >>> 24,
    (length >>> 16) & 255,
    (length >>> 8) & 255,
    length & 255,
    ...body,
  ];
}

const stream = [...message('Q', [...Buffer.from('select 1\0')]), ...message('S', []), ...message('X', [])];

function collect(framer: MessageFramer, chunks: Uint8Array[]): string[] {
  return chunks
    .flatMap((c) => framer.push(c))
    .map((f) => `${String.fromCharCode(f.type)}:${Buffer.from(f.body).toString('hex')}:${f.raw.length}`);
}

describe('MessageFramer', () => {
  const whole = collect(new MessageFramer(), [Uint8Array.from(stream)]);

  it('frames typed messages and keeps each raw message whole', () => {
    expect(whole).toEqual([`Q:${Buffer.from('select 1\0').toString('hex')}:14`, 'S::5', 'X::5']);
  });

  it('gives the same messages however the stream is cut (every offset, and random cuts)', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const chunks = [Uint8Array.from(stream.slice(0, cut)), Uint8Array.from(stream.slice(cut))];
      expect(collect(new MessageFramer(), chunks)).toEqual(whole);
    }
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 8 }), (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((end, i) => Uint8Array.from(stream.slice(points[i], end)));
        expect(collect(new MessageFramer(), chunks)).toEqual(whole);
      }),
    );
  });

  it('reads an untyped startup message, then typed ones after expectTyped()', () => {
    const startup = [0, 0, 0, 8, 4, 210, 22, 47]; // SSLRequest
    const framer = new MessageFramer({ untyped: true });
    const first = framer.push(Uint8Array.from([...startup, ...message('S', [])]));
    expect(first.map((f) => [f.type, f.raw.length])).toEqual([[0, 8]]);
    framer.expectTyped();
    expect(framer.push(new Uint8Array(0)).map((f) => f.type)).toEqual(['S'.charCodeAt(0)]);
  });

  it('refuses lengths that are too small or over the limit', () => {
    expect(() => new MessageFramer().push(Uint8Array.from([81, 0, 0, 0, 3]))).toThrow(FramingError);
    expect(() => new MessageFramer().push(Uint8Array.from([81, 255, 255, 255, 255]))).toThrow(
      /invalid message length/,
    );
    expect(() => new MessageFramer({ maxMessageBytes: 100 }).push(Uint8Array.from([81, 0, 0, 1, 0]))).toThrow(
      /over the limit of 100 bytes/,
    );
  });
});
