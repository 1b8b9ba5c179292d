// The contract between the wire server (sockets, startup, authentication) and the session that runs a
// client's statements. The server owns bytes and lifecycles; the session owns meaning. The session
// code is written against exactly these names.
import type { FrontendMessage } from '../codec/frontend-message.js';

/** What the client said in its StartupMessage, after authentication. */
export interface StartupInfo {
  readonly user: string;
  /** The `database` parameter, or the user name when the client sent none (as PostgreSQL does). */
  readonly database: string;
  /** The `application_name` parameter, or ''. */
  readonly applicationName: string;
  /** Every startup parameter except `_pq_.` protocol options. The client's values: never log them. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The client's IP address ('' when unknown). */
  readonly remoteAddress: string;
}

/** One authenticated client connection, as the session sees it. */
export interface WireConnection {
  readonly startup: StartupInfo;
  readonly processId: number;
  /** Queues encoded backend messages to the client. */
  write(bytes: Uint8Array): void;
  /** Resolves when the socket's write buffer is below its high-water mark (backpressure for large results). */
  drained(): Promise<void>;
  /** Sends the error as a FATAL ErrorResponse (if given) and closes the connection. */
  close(error?: { readonly code: string; readonly message: string }): void;
}

/** What the server calls as the client's messages arrive. */
export interface SessionHandler {
  /**
   * Every message that arrived in one read, in order. The next batch is delivered only after the
   * returned promise settles (messages arriving meanwhile are queued; the socket is paused when the
   * queue grows past a limit). A rejected promise ends the connection with an ErrorResponse
   * (08P01/XX000) after logging.
   */
  onMessages(messages: readonly FrontendMessage[]): Promise<void> | void;
  /** A CancelRequest for this connection arrived. */
  onCancel(): void;
  /** The client disconnected, sent Terminate, or the server is closing. Called once. */
  onClose(): void;
}

/**
 * Makes the session of a newly authenticated connection. Throwing (or rejecting) refuses the
 * connection: an error with a SQLSTATE `code` (e.g. 3D000 for an unknown database) and a `message` is
 * sent to the client as FATAL; any other error as XX000 without its message.
 */
export type SessionFactory = (connection: WireConnection) => SessionHandler | Promise<SessionHandler>;
