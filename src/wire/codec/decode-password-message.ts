// Decodes the client's authentication answers. PasswordMessage, SASLInitialResponse and SASLResponse
// share the type byte 'p'; only the server's last request says which one arrived, so each has its own
// decoder and the authenticator picks.
import type { Frame } from '../../protocol/message-framer.js';
import { ByteReader } from './byte-reader.js';
import type { PasswordMessage, SASLInitialResponse, SASLResponse } from './frontend-message.js';
import { describeTypeByte, FrontendMessageType } from './message-types.js';
import { ProtocolError } from './protocol-error.js';

/** Which answer the server is waiting for. */
export type AuthenticationStage = 'password' | 'sasl-initial' | 'sasl-response';

/**
 * Decodes a 'p' message as the answer expected at `stage`.
 *
 * @throws ProtocolError (08P01) when the frame is not a 'p' message or is malformed.
 */
export function decodeAuthenticationResponse(
  frame: Frame,
  stage: AuthenticationStage,
): PasswordMessage | SASLInitialResponse | SASLResponse {
  if (frame.type !== FrontendMessageType.PasswordMessage) {
    throw new ProtocolError(
      `expected an authentication response ('p'), got message type ${describeTypeByte(frame.type)}`,
    );
  }
  switch (stage) {
    case 'password':
      return decodePasswordMessage(frame);
    case 'sasl-initial':
      return decodeSASLInitialResponse(frame);
    case 'sasl-response':
      return { type: 'SASLResponse', data: frame.body, raw: frame.raw };
  }
}

function decodePasswordMessage(frame: Frame): PasswordMessage {
  const reader = new ByteReader(frame.body, 'PasswordMessage');
  const password = reader.cstring();
  reader.end();
  return { type: 'PasswordMessage', password, raw: frame.raw };
}

function decodeSASLInitialResponse(frame: Frame): SASLInitialResponse {
  const reader = new ByteReader(frame.body, 'SASLInitialResponse');
  const mechanism = reader.cstring();
  const length = reader.int32();
  if (length < -1) throw reader.error(`invalid data length ${length}`);
  const data = length === -1 ? null : reader.bytes(length);
  reader.end();
  return { type: 'SASLInitialResponse', mechanism, data, raw: frame.raw };
}
