// The error every decoder in the wire codec throws for bytes that break the protocol. Its code is
// SQLSTATE 08P01 (protocol_violation) unless a more precise one applies, so the server can send it to
// the client as is before closing the connection.
import { SwitchyardError } from '../../util/errors.js';

/** SQLSTATE 08P01: the peer sent something the protocol does not allow. */
export const PROTOCOL_VIOLATION = '08P01';

/**
 * Malformed or unexpected protocol content: a missing NUL, a count that overruns the message, trailing
 * bytes, an unknown message type. The message says what is wrong but never quotes the content (it may
 * hold passwords or query parameters).
 */
export class ProtocolError extends SwitchyardError {
  override name = 'ProtocolError';

  constructor(message: string, options?: { readonly code?: string; readonly cause?: unknown }) {
    super(options?.code ?? PROTOCOL_VIOLATION, message, options);
  }
}
