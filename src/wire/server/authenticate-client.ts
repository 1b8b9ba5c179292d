// Runs the SCRAM-SHA-256 exchange with a client between its StartupMessage and AuthenticationOk:
// AuthenticationSASL → SASLInitialResponse → AuthenticationSASLContinue → SASLResponse →
// AuthenticationSASLFinal. The caller sends AuthenticationOk or the 28P01 error.
import type { Frame } from '../../protocol/message-framer.js';
import { decodeAuthenticationResponse } from '../codec/decode-password-message.js';
import {
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
} from '../codec/encode-authentication.js';
import { ProtocolError } from '../codec/protocol-error.js';
import { SCRAM_SHA_256, ScramServerExchange } from '../codec/scram-server-exchange.js';
import type { Credential } from './credential-store.js';

/** How the exchange talks to the client. */
export interface AuthenticationChannel {
  /** The client's next message; null when it disconnected. */
  next(): Promise<Frame | null>;
  write(bytes: Uint8Array): void;
}

/** `ok`: the proof was right; `failed`: wrong password or unknown user; `disconnected`: the client left. */
export type AuthenticationResult = 'ok' | 'failed' | 'disconnected';

/**
 * Authenticates the client with SCRAM-SHA-256 against `credential`.
 *
 * @throws ProtocolError (08P01) when the client breaks the exchange (wrong message, other mechanism,
 *   malformed SCRAM message).
 */
export async function authenticateWithScram(
  channel: AuthenticationChannel,
  credential: Credential,
): Promise<AuthenticationResult> {
  channel.write(encodeAuthenticationSASL([SCRAM_SHA_256]));
  const first = await channel.next();
  if (!first) return 'disconnected';
  const initial = decodeAuthenticationResponse(first, 'sasl-initial');
  if (initial.type !== 'SASLInitialResponse') throw new ProtocolError('expected a SASLInitialResponse');
  if (initial.mechanism !== SCRAM_SHA_256) {
    throw new ProtocolError('client selected an invalid SASL authentication mechanism');
  }
  if (initial.data === null) throw new ProtocolError('SASLInitialResponse without the client-first-message');
  const exchange = new ScramServerExchange(credential.verifier, { mock: credential.mock });
  channel.write(encodeAuthenticationSASLContinue(exchange.start(initial.data)));
  const second = await channel.next();
  if (!second) return 'disconnected';
  const response = decodeAuthenticationResponse(second, 'sasl-response');
  if (response.type !== 'SASLResponse') throw new ProtocolError('expected a SASLResponse');
  const outcome = exchange.finish(response.data);
  if (!outcome.ok) return 'failed';
  channel.write(encodeAuthenticationSASLFinal(outcome.serverFinal));
  return 'ok';
}
