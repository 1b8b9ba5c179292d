// The error the session sends when a statement cannot run as planned: a refused route, a key that
// cannot be placed, or keys that land on several shards. It carries PostgreSQL's HINT field.
import { SwitchyardError } from '../util/errors.js';

/** A statement Switchyard will not run: SQLSTATE `code`, a message, and what to do in `hint`. */
export class RoutingError extends SwitchyardError {
  override name = 'RoutingError';
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.hint = hint;
  }
}
