// Decodes the untyped packets of the startup phase: StartupMessage, SSLRequest, GSSENCRequest and
// CancelRequest. They carry no type byte; the int32 after the length says which one it is.
import type { Frame } from '../../protocol/message-framer.js';
import { ByteReader } from './byte-reader.js';
import type { StartupPacket } from './frontend-message.js';
import { StartupCode } from './message-types.js';

/** PostgreSQL refuses a startup packet longer than this (MAX_STARTUP_PACKET_LENGTH); so do we. */
export const MAX_STARTUP_PACKET_BYTES = 10_000;

/**
 * Decodes one untyped startup-phase packet (a frame from a framer in `untyped` mode).
 *
 * A StartupMessage of a major version other than 3 is returned with no parameters (their format is
 * unknown); the caller refuses it. An unknown negotiation code is returned as such a StartupMessage too,
 * as PostgreSQL does ("unsupported frontend protocol 1234.5681").
 *
 * @throws ProtocolError (08P01) for a packet whose content does not match its code.
 */
export function decodeStartupPacket(frame: Frame): StartupPacket {
  const reader = new ByteReader(frame.body, 'startup');
  const code = reader.int32();
  const raw = frame.raw;
  switch (code) {
    case StartupCode.SSLRequest:
      reader.end();
      return { type: 'SSLRequest', raw };
    case StartupCode.GSSENCRequest:
      reader.end();
      return { type: 'GSSENCRequest', raw };
    case StartupCode.CancelRequest: {
      const processId = reader.int32();
      const secretKey = reader.int32();
      reader.end();
      return { type: 'CancelRequest', processId, secretKey, raw };
    }
    default: {
      if (code >>> 16 !== 3) return { type: 'StartupMessage', protocolVersion: code, parameters: {}, raw };
      return { type: 'StartupMessage', protocolVersion: code, parameters: readParameters(reader), raw };
    }
  }
}

function readParameters(reader: ByteReader): Record<string, string> {
  // A null prototype: names are the client's, and "__proto__" must be a plain key.
  const parameters: Record<string, string> = Object.create(null);
  for (;;) {
    if (reader.remaining === 0) throw reader.error('the parameter list is missing its terminating NUL');
    const name = reader.cstring();
    if (name === '') break;
    parameters[name] = reader.cstring();
  }
  reader.end();
  return parameters;
}
