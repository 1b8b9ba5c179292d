// The type bytes of the protocol's messages and the codes of its untyped startup-phase packets
// (https://www.postgresql.org/docs/current/protocol-message-formats.html), named as the spec names the
// messages, so code that switches on `frame.type` reads like the spec.

/** Type bytes of messages a client sends. */
export const FrontendMessageType = {
  Bind: 0x42, // 'B'
  Close: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyFail: 0x66, // 'f'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  Flush: 0x48, // 'H'
  FunctionCall: 0x46, // 'F'
  Parse: 0x50, // 'P'
  /** PasswordMessage, SASLInitialResponse and SASLResponse share it; the context says which. */
  PasswordMessage: 0x70, // 'p'
  Query: 0x51, // 'Q'
  Sync: 0x53, // 'S'
  Terminate: 0x58, // 'X'
} as const;

/** Type bytes of messages a server sends. */
export const BackendMessageType = {
  Authentication: 0x52, // 'R'
  BackendKeyData: 0x4b, // 'K'
  BindComplete: 0x32, // '2'
  CloseComplete: 0x33, // '3'
  CommandComplete: 0x43, // 'C'
  CopyData: 0x64, // 'd'
  CopyDone: 0x63, // 'c'
  CopyInResponse: 0x47, // 'G'
  CopyOutResponse: 0x48, // 'H'
  CopyBothResponse: 0x57, // 'W'
  DataRow: 0x44, // 'D'
  EmptyQueryResponse: 0x49, // 'I'
  ErrorResponse: 0x45, // 'E'
  NegotiateProtocolVersion: 0x76, // 'v'
  NoData: 0x6e, // 'n'
  NoticeResponse: 0x4e, // 'N'
  NotificationResponse: 0x41, // 'A'
  ParameterDescription: 0x74, // 't'
  ParameterStatus: 0x53, // 'S'
  ParseComplete: 0x31, // '1'
  PortalSuspended: 0x73, // 's'
  ReadyForQuery: 0x5a, // 'Z'
  RowDescription: 0x54, // 'T'
} as const;

/** The int32 that opens an untyped startup-phase packet and says which packet it is. */
export const StartupCode = {
  /** Protocol 3.0: major version in the high 16 bits, minor in the low 16. */
  protocol30: 196608,
  SSLRequest: 80877103,
  GSSENCRequest: 80877104,
  CancelRequest: 80877102,
} as const;

/** Authentication request codes carried by an Authentication ('R') message. */
export const AuthenticationCode = {
  Ok: 0,
  CleartextPassword: 3,
  SASL: 10,
  SASLContinue: 11,
  SASLFinal: 12,
} as const;

/** A printable name for a type byte in error messages: `'Q'` or `0x01`. */
export function describeTypeByte(type: number): string {
  return type >= 0x20 && type < 0x7f
    ? `'${String.fromCharCode(type)}'`
    : `0x${type.toString(16).padStart(2, '0')}`;
}
