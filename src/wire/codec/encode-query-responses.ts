// Encoders for the acknowledgements of the query protocols: CommandComplete, EmptyQueryResponse,
// ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended and ParameterDescription. The
// bodiless ones are built once and shared.

import { allocMessage, constantMessage, cstringLength, writeCString } from './message-buffer.js';
import { BackendMessageType as B } from './message-types.js';

const emptyQuery = constantMessage(B.EmptyQueryResponse);
const parseComplete = constantMessage(B.ParseComplete);
const bindComplete = constantMessage(B.BindComplete);
const closeComplete = constantMessage(B.CloseComplete);
const noData = constantMessage(B.NoData);
const portalSuspended = constantMessage(B.PortalSuspended);

/** CommandComplete with its tag, e.g. `SELECT 3`, `INSERT 0 1`, `BEGIN`. */
export function encodeCommandComplete(tag: string): Uint8Array {
  const out = allocMessage(B.CommandComplete, cstringLength(tag));
  writeCString(out, tag, 5);
  return out;
}

/** EmptyQueryResponse: the query string held no statement. Shared constant: do not modify. */
export function encodeEmptyQueryResponse(): Uint8Array {
  return emptyQuery;
}

/** ParseComplete. Shared constant: do not modify. */
export function encodeParseComplete(): Uint8Array {
  return parseComplete;
}

/** BindComplete. Shared constant: do not modify. */
export function encodeBindComplete(): Uint8Array {
  return bindComplete;
}

/** CloseComplete. Shared constant: do not modify. */
export function encodeCloseComplete(): Uint8Array {
  return closeComplete;
}

/** NoData: the described statement or portal returns no rows. Shared constant: do not modify. */
export function encodeNoData(): Uint8Array {
  return noData;
}

/** PortalSuspended: Execute stopped at its row limit; the portal can be executed again. Shared constant. */
export function encodePortalSuspended(): Uint8Array {
  return portalSuspended;
}

/** ParameterDescription: the type OIDs of a prepared statement's parameters. */
export function encodeParameterDescription(typeOids: readonly number[]): Uint8Array {
  const out = allocMessage(B.ParameterDescription, 2 + 4 * typeOids.length);
  out.writeUInt16BE(typeOids.length, 5);
  let offset = 7;
  for (const oid of typeOids) offset = out.writeUInt32BE(oid, offset);
  return out;
}
