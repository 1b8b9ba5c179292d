// Checks of the options every ChangeSource's `read` takes.
import { CdcError, CdcErrorCode } from './cdc-error.js';

/**
 * The batch size `read` was asked for (default 1000).
 *
 * @throws CdcError 22023 for anything but a positive integer.
 */
export function checkMaxBatch(value: number | undefined): number {
  if (value === undefined) return 1000;
  if (!Number.isInteger(value) || value < 1) {
    throw new CdcError(CdcErrorCode.invalidParameter, `maxBatch must be a positive integer (got ${value})`);
  }
  return value;
}
