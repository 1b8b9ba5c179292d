// Collects the frames a client sends, from whichever stream currently carries them (the TCP socket,
// then the TLS socket after an upgrade), for two kinds of reader: the startup phase awaits one frame
// at a time, the query phase takes everything queued as one batch. Pauses the stream when too much is
// queued, which is how a slow session pushes back on a fast client.
import type { Duplex } from 'node:stream';
import { type Frame, MessageFramer } from '../../protocol/message-framer.js';
import { MAX_STARTUP_PACKET_BYTES } from '../codec/decode-startup-packet.js';
import { ProtocolError } from '../codec/protocol-error.js';

const empty = new Uint8Array(0);

/** Frames queued from a client stream. */
export class FrameInbox {
  readonly #maxMessageBytes: number;
  readonly #maxQueuedBytes: number;
  #framer: MessageFramer;
  #untyped = true;
  /** A lower size limit while the client is not authenticated yet (null: only maxMessageBytes). */
  #typedLimit: number | null = null;
  #stream: Duplex | null = null;
  #frames: Frame[] = [];
  #queuedBytes = 0;
  #paused = false;
  #ended = false;
  #failure: Error | null = null;
  #wake: (() => void) | null = null;
  /** Called whenever frames, the end of the stream or a failure arrive. */
  onChange: (() => void) | null = null;

  constructor(options: { readonly maxMessageBytes: number; readonly maxQueuedBytes: number }) {
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#maxQueuedBytes = options.maxQueuedBytes;
    this.#framer = this.#newFramer();
  }

  /** Starts reading `stream`. Frames are views into the chunks Node allocates per read, which it never reuses. */
  attach(stream: Duplex): void {
    this.#stream = stream;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
  }

  /** Stops reading the current stream (before a TLS upgrade, or when the connection closes). */
  detach(): void {
    this.#stream?.off('data', this.#onData);
    this.#stream?.off('end', this.#onEnd);
    this.#stream = null;
  }

  /** Stops reading for good: a waiting `next()` resolves with null. */
  close(): void {
    this.detach();
    this.#frames = [];
    this.#ended = true;
    this.#notify();
  }

  /** True when bytes or frames are waiting: after an SSLRequest that would be unencrypted data. */
  get hasPending(): boolean {
    return this.#frames.length > 0 || this.#framer.pendingBytes > 0;
  }

  /** Starts over in the untyped startup phase (the TLS stream begins with a new StartupMessage). */
  restart(): void {
    this.#framer = this.#newFramer();
    this.#untyped = true;
  }

  /**
   * From now on every message has a type byte (after the StartupMessage). Until `liftLimit()`, messages
   * over `limit` bytes are refused: before authentication nobody may make us buffer 64 MiB.
   */
  expectTyped(limit: number | null = null): void {
    this.#untyped = false;
    this.#typedLimit = limit;
    this.#framer.expectTyped();
    this.#pull(empty);
  }

  /** Allows messages up to maxMessageBytes (the client is authenticated). */
  liftLimit(): void {
    this.#typedLimit = null;
  }

  /** The next frame; null when the stream ended first. Rejects when the stream could not be framed. */
  async next(): Promise<Frame | null> {
    for (;;) {
      // The untyped framer yields one packet per push: later packets wait in it until asked for.
      if (this.#frames.length === 0 && this.#framer.pendingBytes > 0) this.#pull(empty);
      const frame = this.#frames.shift();
      if (frame) {
        this.#dequeued(frame.raw.length);
        return frame;
      }
      if (this.#failure) throw this.#failure;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** Every frame queued now, in order. */
  takeAll(): Frame[] {
    const frames = this.#frames;
    this.#frames = [];
    this.#dequeued(this.#queuedBytes);
    return frames;
  }

  /** Why framing failed, once it has: the connection must end. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** True once the client closed its side and every frame has been taken. */
  get ended(): boolean {
    return this.#ended && this.#frames.length === 0;
  }

  #newFramer(): MessageFramer {
    return new MessageFramer({ untyped: true, maxMessageBytes: this.#maxMessageBytes });
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#failure) return;
    this.#pull(chunk);
    this.#notify();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#notify();
  };

  #pull(chunk: Uint8Array): void {
    if (this.#failure) return;
    try {
      const limit = this.#untyped ? MAX_STARTUP_PACKET_BYTES : this.#typedLimit;
      for (const frame of this.#framer.push(chunk)) {
        if (limit !== null && frame.raw.length > limit) throw this.#tooLong(limit);
        this.#frames.push(frame);
        this.#queuedBytes += frame.raw.length;
      }
      // An incomplete message may not grow past the limit while we wait for the rest of it.
      if (limit !== null && this.#frames.length === 0 && this.#framer.pendingBytes > limit) {
        throw this.#tooLong(limit);
      }
    } catch (error) {
      this.#failure = error instanceof Error ? error : new ProtocolError(String(error));
      this.detach();
    }
    if (!this.#paused && this.#queuedBytes > this.#maxQueuedBytes && this.#stream) {
      this.#paused = true;
      this.#stream.pause();
    }
  }

  #tooLong(limit: number): ProtocolError {
    return this.#untyped
      ? new ProtocolError(`invalid length of startup packet: over ${limit} bytes`)
      : new ProtocolError(`authentication message over the limit of ${limit} bytes`);
  }

  #dequeued(bytes: number): void {
    this.#queuedBytes -= bytes;
    if (this.#paused && this.#queuedBytes <= this.#maxQueuedBytes) {
      this.#paused = false;
      this.#stream?.resume();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    this.onChange?.();
  }
}
