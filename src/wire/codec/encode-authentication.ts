// Encoders for the server's Authentication ('R') messages: the request for a password or a SASL
// exchange, the SASL challenges, and AuthenticationOk.

import { allocMessage, cstringLength, writeCString } from './message-buffer.js';
import { AuthenticationCode, BackendMessageType } from './message-types.js';

const R = BackendMessageType.Authentication;

function authentication(code: number): Uint8Array {
  const out = allocMessage(R, 4);
  out.writeInt32BE(code, 5);
  return out;
}

const ok = authentication(AuthenticationCode.Ok);
const cleartext = authentication(AuthenticationCode.CleartextPassword);

/** AuthenticationOk: the client is in. A shared constant: do not modify it. */
export function encodeAuthenticationOk(): Uint8Array {
  return ok;
}

/** AuthenticationCleartextPassword: asks for the password in clear (only sensible over TLS). */
export function encodeAuthenticationCleartextPassword(): Uint8Array {
  return cleartext;
}

/** AuthenticationSASL: starts a SASL exchange, offering `mechanisms` in order of preference. */
export function encodeAuthenticationSASL(mechanisms: readonly string[]): Uint8Array {
  let length = 4 + 1;
  for (const m of mechanisms) length += cstringLength(m);
  const out = allocMessage(R, length);
  out.writeInt32BE(AuthenticationCode.SASL, 5);
  let offset = 9;
  for (const m of mechanisms) offset = writeCString(out, m, offset);
  out[offset] = 0;
  return out;
}

/** AuthenticationSASLContinue: a SASL challenge (for SCRAM, the server-first-message). */
export function encodeAuthenticationSASLContinue(data: string | Uint8Array): Uint8Array {
  return saslData(AuthenticationCode.SASLContinue, data);
}

/** AuthenticationSASLFinal: the last SASL data (for SCRAM, the server-final-message with `v=`). */
export function encodeAuthenticationSASLFinal(data: string | Uint8Array): Uint8Array {
  return saslData(AuthenticationCode.SASLFinal, data);
}

function saslData(code: number, data: string | Uint8Array): Uint8Array {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = allocMessage(R, 4 + bytes.length);
  out.writeInt32BE(code, 5);
  out.set(bytes, 9);
  return out;
}
