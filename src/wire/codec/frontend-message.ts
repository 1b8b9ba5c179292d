// The messages a client sends, decoded, as a discriminated union on `type` (named as in the protocol
// spec). Every message keeps `raw`, the whole framed message as received, so the session can forward
// it to a shard unchanged instead of re-encoding it.

interface Framed {
  /** The whole message as received (type byte, length word, body). A view: copy it to keep it past the batch. */
  readonly raw: Uint8Array;
}

/** The first packet of a session: protocol version and the startup parameters (user, database, …). */
export interface StartupMessage extends Framed {
  readonly type: 'StartupMessage';
  /** Major version in the high 16 bits, minor in the low 16 (3.0 = 196608). */
  readonly protocolVersion: number;
  /** Parameter name → value. Values are the client's: never log them. Empty for a major version other than 3. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** The client asks for TLS before its StartupMessage. */
export interface SSLRequest extends Framed {
  readonly type: 'SSLRequest';
}

/** The client asks for GSSAPI encryption before its StartupMessage. */
export interface GSSENCRequest extends Framed {
  readonly type: 'GSSENCRequest';
}

/** Sent on a new connection to cancel what the session with this key is running. */
export interface CancelRequest extends Framed {
  readonly type: 'CancelRequest';
  readonly processId: number;
  readonly secretKey: number;
}

/** A simple-protocol query string (possibly several statements). */
export interface Query extends Framed {
  readonly type: 'Query';
  readonly query: string;
}

/** Extended protocol: prepare `query` as statement `statement` ('' = unnamed). */
export interface Parse extends Framed {
  readonly type: 'Parse';
  readonly statement: string;
  readonly query: string;
  /** Parameter type OIDs the client specified (0 = let the server infer); may be fewer than the parameters. */
  readonly parameterTypes: readonly number[];
}

/** Extended protocol: bind parameter values to a prepared statement, creating portal `portal`. */
export interface Bind extends Framed {
  readonly type: 'Bind';
  readonly portal: string;
  readonly statement: string;
  /** 0 = text, 1 = binary. Empty: all text; one: applies to all; else one per parameter. */
  readonly parameterFormats: readonly number[];
  /** Each value as a view into `raw` (null = SQL NULL). Query parameters: never log them. */
  readonly parameters: readonly (Uint8Array | null)[];
  /** Result column formats, with the same empty / one / one-per-column convention. */
  readonly resultFormats: readonly number[];
}

/** Extended protocol: describe a prepared statement ('S') or a portal ('P'). */
export interface Describe extends Framed {
  readonly type: 'Describe';
  readonly target: 'S' | 'P';
  readonly name: string;
}

/** Extended protocol: run a portal, returning at most `maxRows` rows (0 = all). */
export interface Execute extends Framed {
  readonly type: 'Execute';
  readonly portal: string;
  readonly maxRows: number;
}

/** Extended protocol: close a prepared statement ('S') or a portal ('P'). */
export interface Close extends Framed {
  readonly type: 'Close';
  readonly target: 'S' | 'P';
  readonly name: string;
}

/** Extended protocol: end of a batch; the server answers ReadyForQuery. */
export interface Sync extends Framed {
  readonly type: 'Sync';
}

/** Extended protocol: send what is pending now, without ending the batch. */
export interface Flush extends Framed {
  readonly type: 'Flush';
}

/** The client is closing the connection. */
export interface Terminate extends Framed {
  readonly type: 'Terminate';
}

/** COPY FROM STDIN data. */
export interface CopyData extends Framed {
  readonly type: 'CopyData';
  /** A view into `raw`. */
  readonly data: Uint8Array;
}

/** COPY FROM STDIN finished. */
export interface CopyDone extends Framed {
  readonly type: 'CopyDone';
}

/** COPY FROM STDIN aborted by the client, with its reason. */
export interface CopyFail extends Framed {
  readonly type: 'CopyFail';
  readonly message: string;
}

/** A cleartext password answering AuthenticationCleartextPassword. Never log it. */
export interface PasswordMessage extends Framed {
  readonly type: 'PasswordMessage';
  readonly password: string;
}

/** The client's chosen SASL mechanism and its first message (null when the client sent none). */
export interface SASLInitialResponse extends Framed {
  readonly type: 'SASLInitialResponse';
  readonly mechanism: string;
  readonly data: Uint8Array | null;
}

/** A later SASL message from the client. */
export interface SASLResponse extends Framed {
  readonly type: 'SASLResponse';
  readonly data: Uint8Array;
}

/** The legacy fast-path function call: decoded only far enough to refuse it. */
export interface FunctionCall extends Framed {
  readonly type: 'FunctionCall';
  readonly functionOid: number;
}

/** Any message a client sends. */
export type FrontendMessage =
  | StartupMessage
  | SSLRequest
  | GSSENCRequest
  | CancelRequest
  | Query
  | Parse
  | Bind
  | Describe
  | Execute
  | Close
  | Sync
  | Flush
  | Terminate
  | CopyData
  | CopyDone
  | CopyFail
  | PasswordMessage
  | SASLInitialResponse
  | SASLResponse
  | FunctionCall;

/** The messages of the startup phase (before any typed message). */
export type StartupPacket = StartupMessage | SSLRequest | GSSENCRequest | CancelRequest;
