// Which FATAL error a client gets when its connection must end. Protocol violations are the client's
// doing: they are sent as they are (their messages never quote the client's bytes) and logged at
// debug level. Anything else is our fault: logged as an error, and sent as a bare XX000 so that no
// internal detail reaches the client.
import { FramingError } from '../../protocol/message-framer.js';
import type { Logger } from '../../util/logger.js';
import { ProtocolError } from '../codec/protocol-error.js';

/** A FATAL error to send before closing. */
export interface Fatal {
  readonly code: string;
  readonly message: string;
}

/** The FATAL error for `error`, which ended a connection while it was doing `doing`. */
export function fatalFor(
  error: unknown,
  logger: Logger,
  doing: string,
  bindings: Record<string, unknown>,
): Fatal {
  if (error instanceof ProtocolError || error instanceof FramingError) {
    logger.debug({ ...bindings, code: error.code, reason: error.message }, 'protocol violation');
    return { code: error.code, message: error.message };
  }
  logger.error({ ...bindings, err: error }, `${doing} failed`);
  return { code: 'XX000', message: `internal error in ${doing}; the connection is closed` };
}

/** The FATAL error for a session factory's refusal: its own SQLSTATE and message, or a generic XX000. */
export function refusalFor(error: unknown, logger: Logger): Fatal {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string')
    return { code, message };
  logger.error({ err: error }, 'the session factory failed');
  return { code: 'XX000', message: 'internal error while opening the session' };
}
