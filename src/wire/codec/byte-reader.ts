// A bounds-checked cursor over one message body. Every read that would run past the end, and every
// string without its NUL terminator, throws a ProtocolError naming the message, so decoders read like
// the spec's field lists and never index out of range.
import { ProtocolError } from './protocol-error.js';

const utf8 = new TextDecoder('utf-8');

/** Reads the fields of one message body in order. Views it returns share the body's memory. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #message: string;
  #offset = 0;

  /** `message` names the message in error messages, e.g. `"Bind"`. */
  constructor(bytes: Uint8Array, message: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#message = message;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** A ProtocolError about this message. */
  error(problem: string): ProtocolError {
    return new ProtocolError(`invalid ${this.#message} message: ${problem}`);
  }

  /** One unsigned byte (a message subtype, a field code). */
  byte(): number {
    this.#need(1, 'a byte');
    return this.#bytes[this.#offset++]!;
  }

  /** A signed 16-bit value (a format code, an attribute number). */
  int16(): number {
    this.#need(2, 'an Int16');
    const value = this.#view.getInt16(this.#offset);
    this.#offset += 2;
    return value;
  }

  /**
   * An unsigned 16-bit count. PostgreSQL reads the counts of parameters, formats and columns unsigned
   * (pq_getmsgint(msg, 2)), which is how a statement can have up to 65 535 parameters.
   */
  count16(): number {
    this.#need(2, 'an Int16');
    const value = this.#view.getUint16(this.#offset);
    this.#offset += 2;
    return value;
  }

  /** A signed 32-bit value (a length, where -1 means NULL). */
  int32(): number {
    this.#need(4, 'an Int32');
    const value = this.#view.getInt32(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** An unsigned 32-bit value (an OID). */
  uint32(): number {
    this.#need(4, 'an Int32');
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** A NUL-terminated UTF-8 string; the NUL is consumed. */
  cstring(): string {
    const end = this.#bytes.indexOf(0, this.#offset);
    if (end < 0) throw this.error('a string is missing its NUL terminator');
    const text = utf8.decode(this.#bytes.subarray(this.#offset, end));
    this.#offset = end + 1;
    return text;
  }

  /** The next `length` bytes, as a view (no copy). */
  bytes(length: number): Uint8Array {
    this.#need(length, `${length} bytes`);
    const out = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  /** Asserts the body was read to its end: trailing bytes mean the peer and we disagree on the format. */
  end(): void {
    if (this.remaining !== 0) throw this.error(`${this.remaining} unexpected bytes after the last field`);
  }

  #need(count: number, what: string): void {
    if (count < 0 || this.#offset + count > this.#bytes.length) {
      throw this.error(
        `expected ${what} at offset ${this.#offset} but the message ends at ${this.#bytes.length}`,
      );
    }
  }
}
