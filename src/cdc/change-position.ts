// Where an event is in its shard's change stream, in one representation for both kinds of shard:
// 16 hex digits of the commit's place in the shard's history, a slash, 8 hex digits of the event's
// index within that place. On PostgreSQL the first part is the transaction's commit LSN and the
// second the event's index in the transaction; on PGlite the first is the changelog row's id and the
// second is 0. Fixed width makes positions compare as plain strings: `a < b` is commit order.
import { CdcError, CdcErrorCode } from './cdc-error.js';

declare const positionBrand: unique symbol;

/** A position in one shard's change stream; compare with `<`, `>` or `comparePositions`. */
export type ChangePosition = string & { readonly [positionBrand]: true };

const pattern = /^[0-9A-F]{16}\/[0-9A-F]{8}$/;
const maxCommit = (1n << 64n) - 1n;

/**
 * The position of the event at `index` of the commit at `commit`.
 *
 * @example changePosition(0x16b374d848n, 2) // '00000016B374D848/00000002'
 */
export function changePosition(commit: bigint, index = 0): ChangePosition {
  if (commit < 0n || commit > maxCommit || !Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new CdcError(
      CdcErrorCode.invalidParameter,
      `a change position needs a commit between 0 and 2^64-1 and an index between 0 and 2^32-1 (got ${commit}, ${index})`,
    );
  }
  return `${commit.toString(16).toUpperCase().padStart(16, '0')}/${index.toString(16).toUpperCase().padStart(8, '0')}` as ChangePosition;
}

/**
 * Checks a position read back from storage (a consumer's checkpoint).
 *
 * @throws CdcError 22023 when `text` is not a position.
 */
export function parseChangePosition(text: unknown): ChangePosition {
  if (typeof text !== 'string' || !pattern.test(text)) {
    throw new CdcError(
      CdcErrorCode.invalidParameter,
      `${typeof text === 'string' ? `"${text.slice(0, 40)}"` : typeof text} is not a change position (expected 16 hex digits, "/", 8 hex digits, e.g. 00000000016B3A48/00000002)`,
    );
  }
  return text as ChangePosition;
}

/**
 * The commit part of positions, to build many positions of one commit with `positionAt` (the hot
 * path of a replication stream: one transaction, many events).
 */
export function positionPrefix(commit: bigint): string {
  return changePosition(commit, 0).slice(0, 17);
}

/** The position of event `index` of the commit whose `positionPrefix` is `prefix`. */
export function positionAt(prefix: string, index: number): ChangePosition {
  return `${prefix}${index.toString(16).toUpperCase().padStart(8, '0')}` as ChangePosition;
}

/** The commit part: a commit LSN (PostgreSQL) or a changelog id (PGlite). */
export function positionCommit(position: ChangePosition): bigint {
  return BigInt(`0x${position.slice(0, 16)}`);
}

/** The index part: the event's index within its commit. */
export function positionIndex(position: ChangePosition): number {
  return Number.parseInt(position.slice(17), 16);
}

/** Negative when `a` comes first, 0 when equal, positive when `b` comes first. */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The later of two positions, either of which may be missing. */
export function laterPosition(
  a: ChangePosition | null | undefined,
  b: ChangePosition | null | undefined,
): ChangePosition | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return a > b ? a : b;
}
