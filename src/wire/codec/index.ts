// The PostgreSQL frontend/backend protocol codec: pure functions from frames to messages and from
// values to bytes, plus the server side of SCRAM-SHA-256. No sockets here; `wire/server` does the I/O.
//
// Why hand-written rather than pg-gateway (supabase-community, evaluated for this): pg-gateway is a
// pre-1.0 beta whose connection runs every message through async generators and its own buffering, with
// no limit on message size, no CancelRequest, no decoders for the extended protocol (unknown messages
// get an error with an invalid SQLSTATE) and no way to hand a frame on without decoding it. A sharding
// proxy's hot path needs the opposite: zero-copy forwarding of raw frames (the shared MessageFramer),
// decoding only what routing needs, and its own control of backpressure and portal suspension. The
// protocol surface we need is small and fully specified, so owning it costs less than adapting it.
export { ByteReader } from './byte-reader.js';
export {
  decodeCommandComplete,
  decodeDataRow,
  decodeNoticeFields,
  decodeParameterStatus,
  decodeReadyForQuery,
  decodeRowDescription,
} from './decode-backend-message.js';
export { decodeFrontendMessage } from './decode-frontend-message.js';
export { type AuthenticationStage, decodeAuthenticationResponse } from './decode-password-message.js';
export { decodeStartupPacket, MAX_STARTUP_PACKET_BYTES } from './decode-startup-packet.js';
export {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
} from './encode-authentication.js';
export {
  encodeCopyData,
  encodeCopyDone,
  encodeCopyInResponse,
  encodeCopyOutResponse,
} from './encode-copy-messages.js';
export {
  encodeErrorResponse,
  encodeNoticeResponse,
  type NoticeFields,
  type Severity,
} from './encode-error-response.js';
export {
  encodeBindComplete,
  encodeCloseComplete,
  encodeCommandComplete,
  encodeEmptyQueryResponse,
  encodeNoData,
  encodeParameterDescription,
  encodeParseComplete,
  encodePortalSuspended,
} from './encode-query-responses.js';
export {
  type DataRowValue,
  encodeDataRow,
  encodeRowDescription,
  type RowField,
} from './encode-row-messages.js';
export {
  encodeBackendKeyData,
  encodeNegotiateProtocolVersion,
  encodeNotificationResponse,
  encodeParameterStatus,
  encodeReadyForQuery,
  type TransactionStatus,
} from './encode-status-messages.js';
export type * from './frontend-message.js';
export {
  AuthenticationCode,
  BackendMessageType,
  describeTypeByte,
  FrontendMessageType,
  StartupCode,
} from './message-types.js';
export { PROTOCOL_VIOLATION, ProtocolError } from './protocol-error.js';
export { SCRAM_SHA_256, type ScramOutcome, ScramServerExchange } from './scram-server-exchange.js';
export {
  DEFAULT_SCRAM_ITERATIONS,
  formatScramVerifier,
  isScramVerifier,
  makeScramVerifier,
  parseScramVerifier,
  type ScramVerifier,
  saslPrep,
  scramVerifierFromPassword,
} from './scram-verifier.js';
