// Turning errors raised inside Switchyard into the ErrorResponse a client understands.
import { SwitchyardError } from '../../util/errors.js';
import { encodeErrorResponse, type NoticeFields } from '../codec/index.js';

/** An error the session reports to the client with a SQLSTATE, message and optional hint. */
export class SessionError extends SwitchyardError {
  override name = 'SessionError';
  readonly hint: string | undefined;
  readonly position: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { hint?: string; position?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.hint = options.hint;
    this.position = options.position;
  }
}

/** The ErrorResponse for anything thrown while handling a client's message. */
export function errorResponseFor(error: unknown): Uint8Array {
  return encodeErrorResponse(errorFields(error));
}

/** The fields of the ErrorResponse for `error` (SQLSTATE codes kept; anything unexpected is XX000). */
export function errorFields(error: unknown): NoticeFields {
  if (error instanceof SwitchyardError && /^[0-9A-Z]{5}$/.test(error.code)) {
    const extra = error as SwitchyardError & { hint?: string; position?: number };
    return {
      severity: 'ERROR',
      code: error.code,
      message: error.message,
      ...(extra.hint ? { hint: extra.hint } : {}),
      ...(extra.position ? { position: extra.position } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { severity: 'ERROR', code: 'XX000', message: `internal error in Switchyard: ${message}` };
}
