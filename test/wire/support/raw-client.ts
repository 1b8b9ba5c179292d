// A bare protocol client over a TCP socket for server tests that need exact bytes: it sends what it is
// given and collects the server's answers, split into messages by the same framer the server uses.
import { connect, type Socket } from 'node:net';
import { type Frame, MessageFramer } from '../../../src/protocol/message-framer.js';

/** A raw connection to the server. */
export class RawClient {
  readonly received: Frame[] = [];
  /** Bytes received before typed messages began (the single-byte SSL answers). */
  readonly prefix: number[] = [];
  closed = false;
  #framer = new MessageFramer({ maxMessageBytes: 1 << 30 });
  #expectPrefix = 0;
  #waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      let bytes: Uint8Array = chunk;
      while (this.#expectPrefix > 0 && bytes.length > 0) {
        this.prefix.push(bytes[0]!);
        this.#expectPrefix--;
        bytes = bytes.subarray(1);
      }
      for (const f of this.#framer.push(Uint8Array.from(bytes))) {
        this.received.push({ type: f.type, body: Uint8Array.from(f.body), raw: Uint8Array.from(f.raw) });
      }
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next `count` bytes are single-byte answers (to SSLRequest / GSSENCRequest), not messages. */
  expectSingleBytes(count: number): void {
    this.#expectPrefix += count;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits until `predicate` holds (checked after every arrival) or the socket closed; fails after `ms`. */
  async until(predicate: (client: RawClient) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (this.closed) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the server');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the server to close the connection. */
  async untilClosed(ms = 5000): Promise<void> {
    await this.until((c) => c.closed, ms);
    if (!this.closed) throw new Error('the server did not close the connection');
  }

  /** Type bytes received, as characters. */
  get types(): string {
    return this.received.map((f) => String.fromCharCode(f.type)).join('');
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
