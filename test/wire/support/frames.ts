// Test helpers for the wire codec: framing byte streams the way the server does, and cutting a stream
// at every offset to check that how bytes arrive never changes what is decoded.
import { type Frame, MessageFramer } from '../../../src/protocol/message-framer.js';

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

/** Frames a typed stream delivered in `chunks`; frames are copied so they outlive the framer. */
export function frameChunks(chunks: readonly Uint8Array[]): Frame[] {
  const framer = new MessageFramer();
  return chunks.flatMap((chunk) => framer.push(Uint8Array.from(chunk))).map(copyFrame);
}

/** Frames a whole typed stream. */
export function frameAll(bytes: Uint8Array): Frame[] {
  return frameChunks([bytes]);
}

/** The one untyped (startup-phase) packet in `bytes`. */
export function frameUntyped(bytes: Uint8Array): Frame {
  const frames = new MessageFramer({ untyped: true }).push(Uint8Array.from(bytes));
  if (frames.length !== 1) throw new Error(`expected one startup packet, framed ${frames.length}`);
  return copyFrame(frames[0]!);
}

/** Every way to cut `bytes` in two: [head, tail] for each offset 0..length. */
export function* cutsOf(bytes: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
  for (let cut = 0; cut <= bytes.length; cut++) yield [bytes.subarray(0, cut), bytes.subarray(cut)];
}

/** A typed message built by hand: type byte, length word, body. */
export function message(type: string, body: readonly number[] | Uint8Array = []): Uint8Array {
  const out = Buffer.alloc(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeInt32BE(body.length + 4, 1);
  out.set(body, 5);
  return Uint8Array.from(out);
}

/** Bytes of a NUL-terminated string. */
export function cstr(text: string): number[] {
  return [...Buffer.from(text, 'utf8'), 0];
}

/** Big-endian Int16 / Int32 bytes. */
export function i16(value: number): number[] {
  const b = Buffer.alloc(2);
  b.writeInt16BE(value);
  return [...b];
}
export function i32(value: number): number[] {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return [...b];
}

/** Hex of bytes, for readable fixture comparisons. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function copyFrame(frame: Frame): Frame {
  const raw = Uint8Array.from(frame.raw);
  return { type: frame.type, raw, body: raw.subarray(raw.length - frame.body.length) };
}
