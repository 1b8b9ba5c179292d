// The error a client gets for SQL the parser rejects, worded as PostgreSQL words it, with the
// 1-based character position the ErrorResponse's `P` field carries (psql draws its caret from it).
import { SqlState, SwitchyardError } from '../util/errors.js';

/** SQL that does not parse: SQLSTATE 42601 and, when the parser knows it, where the error is. */
export class SqlSyntaxError extends SwitchyardError {
  override name = 'SqlSyntaxError';
  /** 1-based character (not byte) position in the query string, or undefined when unknown. */
  readonly position: number | undefined;

  constructor(message: string, position: number | undefined, options?: { cause?: unknown }) {
    super(SqlState.syntaxError, message, options);
    this.position = position;
  }
}
