// Cuts a byte stream into PostgreSQL protocol messages (type byte + int32 length + body) without
// decoding them: the hot path of a proxy forwards most messages as they came. Pure: no I/O.
// Hand-written because the job is ten lines and must not copy or decode on the hot path (pg-protocol's
// parser decodes every message into an object).

/** One framed message: `type` is the message's type byte (0 for the untyped startup-phase messages). */
export interface Frame {
  readonly type: number;
  /** The message body, after the length word. A view into the received bytes: copy it to keep it. */
  readonly body: Uint8Array;
  /** The whole message as received, type byte and length included (for forwarding as is). */
  readonly raw: Uint8Array;
}

/** A message that cannot be framed: the stream is unusable and the connection must end. */
export class FramingError extends Error {
  override name = 'FramingError';
  readonly code = '08P01';
}

/**
 * Accumulates received chunks and yields complete messages. `untyped` framers read messages without
 * a type byte (a client's StartupMessage, SSLRequest, CancelRequest); call `expectTyped()` after the
 * startup phase.
 *
 * @example
 *   const framer = new MessageFramer({ maxMessageBytes: 1 << 30 });
 *   socket.on('data', (chunk) => { for (const frame of framer.push(chunk)) handle(frame); });
 */
export class MessageFramer {
  #buffer: Uint8Array = new Uint8Array(0);
  #untyped: boolean;
  readonly #maxMessageBytes: number;

  constructor(options: { readonly untyped?: boolean; readonly maxMessageBytes?: number } = {}) {
    this.#untyped = options.untyped ?? false;
    this.#maxMessageBytes = options.maxMessageBytes ?? 256 * 1024 * 1024;
  }

  /** From now on every message starts with a type byte. */
  expectTyped(): void {
    this.#untyped = false;
  }

  /** Bytes received but not yet part of a complete message. */
  get pendingBytes(): number {
    return this.#buffer.length;
  }

  /**
   * Adds a chunk and returns the messages it completes. The frames' views stay valid until the next
   * call to `push`.
   *
   * @throws FramingError for a length word that is negative, too small or over the limit.
   */
  push(chunk: Uint8Array): Frame[] {
    const buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    const frames: Frame[] = [];
    const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const header = this.#untyped ? 4 : 5;
    let offset = 0;
    while (buffer.length - offset >= header) {
      const type = this.#untyped ? 0 : buffer[offset]!;
      const length = view.getInt32(offset + header - 4);
      if (length < 4) throw new FramingError(`invalid message length ${length}`);
      if (length > this.#maxMessageBytes) {
        throw new FramingError(
          `message of ${length} bytes is over the limit of ${this.#maxMessageBytes} bytes`,
        );
      }
      const end = offset + header - 4 + length;
      if (end > buffer.length) break;
      frames.push({ type, body: buffer.subarray(offset + header, end), raw: buffer.subarray(offset, end) });
      offset = end;
      // Only the first message of a connection is untyped; after it the caller decides.
      if (this.#untyped) break;
    }
    // Keep the rest; copy it so the caller may reuse `chunk`'s memory.
    this.#buffer = offset === buffer.length ? new Uint8Array(0) : buffer.slice(offset);
    return frames;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
