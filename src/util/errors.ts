// The base of every error Switchyard raises on purpose. `code` is stable: a SQLSTATE where the
// error can reach a Postgres client, otherwise a short UPPER_SNAKE name. Messages say what happened
// and what to do; they never contain query parameters.

/** An error with a stable code and, where it wraps another error, its cause. */
export class SwitchyardError extends Error {
  override name = 'SwitchyardError';
  /** SQLSTATE (five characters) or a stable UPPER_SNAKE identifier. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A configuration file or catalog document that does not describe a valid cluster. */
export class ConfigError extends SwitchyardError {
  override name = 'ConfigError';
  /** One line per problem, each naming the path of the offending field. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [], options?: { cause?: unknown }) {
    super(
      'CONFIG_INVALID',
      problems.length ? `${message}:\n  - ${problems.join('\n  - ')}` : message,
      options,
    );
    this.problems = problems;
  }
}

/** SQLSTATE codes Switchyard itself raises (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
export const SqlState = {
  featureNotSupported: '0A000',
  connectionFailure: '08006',
  sqlclientUnableToEstablishSqlconnection: '08001',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  invalidParameterValue: '22023',
  syntaxError: '42601',
  undefinedTable: '42P01',
  serializationFailure: '40001',
  objectNotInPrerequisiteState: '55000',
  protocolViolation: '08P01',
  internalError: 'XX000',
} as const;
