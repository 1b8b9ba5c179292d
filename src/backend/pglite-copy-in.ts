// COPY FROM STDIN on an embedded shard. PGlite runs the frontend messages of one call and stops at
// their end; a COPY FROM STDIN that runs out of input there does not wait for more: the database
// terminates ("unexpected EOF on client connection"). A client, though, sends its COPY data only
// after the server's CopyInResponse. So a raw connection (pglite-shard-connection.ts):
// - ends every call with a sentinel CopyFail, which PostgreSQL ignores outside COPY and which
//   aborts a COPY that would otherwise run out of input;
// - runs a simple Query that may start a COPY FROM STDIN as a probe first (inside a savepoint when
//   a transaction is open), relays its CopyInResponse, keeps the CopyData up to CopyDone/CopyFail,
//   then runs the Query again with all of it in one call;
// - refuses COPY FROM STDIN in the extended protocol (clients send COPY as a simple Query).
// Pure helpers here; the connection does the running.
import { serialize } from 'pg-protocol';
import type { Frame } from '../protocol/message-framer.js';
import { errorResponseMessage, parseErrorResponse } from './error-response.js';
import { BackendType } from './protocol-bytes.js';
import { BackendSqlState } from './shard-error.js';

const sentinelText = 'switchyard: end of buffered input';

/** The CopyFail that ends every call to PGlite. */
export const copySentinel: Uint8Array = serialize.copyFail(sentinelText);

/** The savepoint a probe runs in when a transaction is open. */
export const probeSavepoint = 'switchyard_copy_probe';

/** True when a Query body may run a COPY FROM STDIN: it contains both words, in any case. */
export function mayStartCopyIn(queryBody: Uint8Array): boolean {
  return containsCaseless(queryBody, 'copy') && containsCaseless(queryBody, 'stdin');
}

/**
 * The index of the CopyInResponse of a COPY that the sentinel aborted, or -1 when no COPY ran out
 * of input.
 */
export function abortedCopyIn(frames: readonly Frame[]): number {
  for (let i = 0; i < frames.length; i++) {
    if (frames[i]!.type !== BackendType.copyInResponse) continue;
    for (let j = i + 1; j < frames.length; j++) {
      const frame = frames[j]!;
      if (frame.type === BackendType.errorResponse) return isSentinelError(frame) ? i : -1;
    }
  }
  return -1;
}

/** True for the ErrorResponse of a COPY that the sentinel aborted. */
export function isSentinelError(frame: Frame): boolean {
  if (frame.type !== BackendType.errorResponse) return false;
  const { code, message } = parseErrorResponse(frame.body);
  return code === BackendSqlState.queryCanceled && message.endsWith(sentinelText);
}

/** The ErrorResponse a client gets for a COPY FROM STDIN sent through the extended protocol. */
export function extendedCopyInRefusal(shard: string): Frame {
  const raw = errorResponseMessage({
    code: BackendSqlState.featureNotSupported,
    message: `shard "${shard}": COPY FROM STDIN through the extended query protocol is not supported on an embedded (PGlite) shard`,
    hint: 'send the COPY statement as a simple Query (as psql, pg-copy-streams and most drivers do)',
  });
  return { type: BackendType.errorResponse, raw, body: raw.subarray(5) };
}

function containsCaseless(bytes: Uint8Array, word: string): boolean {
  const first = word.charCodeAt(0);
  outer: for (let i = 0; i + word.length <= bytes.length; i++) {
    if ((bytes[i]! | 0x20) !== first) continue;
    for (let k = 1; k < word.length; k++) {
      if ((bytes[i + k]! | 0x20) !== word.charCodeAt(k)) continue outer;
    }
    return true;
  }
  return false;
}
