// PostgreSQL WAL positions (LSNs): a 64-bit byte offset printed as two hex halves, `16/B374D848`.
import { CdcError, CdcErrorCode } from './cdc-error.js';

const lsnPattern = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/**
 * Reads an LSN as PostgreSQL prints it.
 *
 * @example parseLsn('16/B374D848') // 0x16B374D848n
 * @throws CdcError 22023 for text that is not an LSN.
 */
export function parseLsn(text: string): bigint {
  const match = lsnPattern.exec(text);
  if (!match) {
    throw new CdcError(
      CdcErrorCode.invalidParameter,
      `"${text}" is not a WAL position (expected e.g. 16/B374D848)`,
    );
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Prints an LSN as PostgreSQL does (`16/B374D848`). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
