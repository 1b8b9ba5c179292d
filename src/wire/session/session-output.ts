// What a session has to say to its client, gathered and written in as few writes as possible: once
// per batch of messages, or sooner while a large result streams (then waiting for the client).
import { concatBytes } from '../../backend/protocol-bytes.js';
import type { WireConnection } from '../server/session-handler.js';

/** Frames stream out once this many are waiting, and the session then waits for the client. */
const STREAM_AFTER_FRAMES = 64;

export class SessionOutput {
  #parts: Uint8Array[] = [];

  constructor(private readonly client: WireConnection) {}

  push(bytes: Uint8Array): void {
    this.#parts.push(bytes);
  }

  /** Puts `bytes` before the last queued message (a notice before a command's CommandComplete). */
  insertBeforeLast(bytes: Uint8Array): void {
    this.#parts.splice(Math.max(0, this.#parts.length - 1), 0, bytes);
  }

  /** Writes what is queued when a lot is, and resolves once the client has taken it (backpressure). */
  relieve(): Promise<void> | undefined {
    if (this.#parts.length < STREAM_AFTER_FRAMES) return undefined;
    this.write();
    return this.client.drained();
  }

  /** Writes everything queued in one write. */
  write(): void {
    const parts = this.#parts;
    if (parts.length === 0) return;
    this.#parts = [];
    this.client.write(parts.length === 1 ? parts[0]! : concatBytes(parts));
  }
}
