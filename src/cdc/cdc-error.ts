// The error change capture raises: a stable code (a SQLSTATE where one fits), the shard it concerns
// when there is one, and the cause. Messages never carry row values.
import { SwitchyardError } from '../util/errors.js';

/** Codes of change capture errors. */
export const CdcErrorCode = {
  /** A position, consumer name or option is malformed or does not fit the source. */
  invalidParameter: '22023',
  /** The replication connection or a shard query failed; reading again from the last position resumes. */
  connectionFailure: '08006',
  /** The server sent something the decoder does not understand. */
  protocolViolation: '08P01',
  /** Capture is not installed, or a slot is missing or busy. */
  notInPrerequisiteState: '55000',
  /** The user lacks a privilege capture needs. */
  insufficientPrivilege: '42501',
  /** A source was read twice at once, or a slot is read by another connection. */
  objectInUse: '55006',
  /** The source (or the whole capture) was closed. */
  closed: '08003',
} as const;

/** An error of change capture. */
export class CdcError extends SwitchyardError {
  override name = 'CdcError';
  /** The shard concerned, when there is one. */
  readonly shard: string | undefined;

  constructor(code: string, message: string, options: { shard?: string; cause?: unknown } = {}) {
    super(code, options.shard ? `shard ${options.shard}: ${message}` : message, { cause: options.cause });
    this.shard = options.shard;
  }
}
