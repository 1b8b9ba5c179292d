// ErrorResponse messages read and written by the raw shard connections: read when a server refuses
// a connection (the refusal becomes a ShardError), written when a shard cannot run what a client
// sent (an embedded shard's lock wait timed out), so the client gets an ordinary protocol error.
import { BackendType } from './protocol-bytes.js';
import { type ServerErrorFields, ShardError } from './shard-error.js';

/** An ErrorResponse (or NoticeResponse) body, decoded. */
export interface ErrorResponseFields {
  readonly code: string;
  readonly message: string;
  readonly fields: ServerErrorFields;
}

/** Field type bytes of ErrorResponse and what ShardError calls them. */
const fieldNames: Readonly<Record<string, keyof ServerErrorFields>> = {
  V: 'severity',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine',
};

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes an ErrorResponse or NoticeResponse body. */
export function parseErrorResponse(body: Uint8Array): ErrorResponseFields {
  let code = 'XX000';
  let message = '';
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const type = String.fromCharCode(body[offset]!);
    let end = body.indexOf(0, offset + 1);
    if (end < 0) end = body.length;
    const value = decoder.decode(body.subarray(offset + 1, end));
    if (type === 'C') code = value;
    else if (type === 'M') message = value;
    else if (type === 'S') fields.severity ??= value;
    else {
      const name = fieldNames[type];
      if (name) fields[name] = value;
    }
    offset = end + 1;
  }
  return { code, message, fields };
}

/** The ShardError for an ErrorResponse the server of `shard` sent. */
export function shardErrorFromResponse(shard: string, body: Uint8Array): ShardError {
  const { code, message, fields } = parseErrorResponse(body);
  return new ShardError(shard, code, message, { serverMessage: message, fields });
}

/** An ErrorResponse message (severity ERROR) carrying `error`'s SQLSTATE, message and hint. */
export function errorResponseMessage(error: {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}): Uint8Array {
  const parts: [string, string][] = [
    ['S', 'ERROR'],
    ['V', 'ERROR'],
    ['C', error.code],
    ['M', error.message],
  ];
  if (error.hint) parts.push(['H', error.hint]);
  const encoded = parts.map(([type, value]) => [type.charCodeAt(0), encoder.encode(value)] as const);
  const length = 4 + encoded.reduce((n, [, value]) => n + value.length + 2, 0) + 1;
  const out = new Uint8Array(1 + length);
  const view = new DataView(out.buffer);
  out[0] = BackendType.errorResponse;
  view.setInt32(1, length);
  let offset = 5;
  for (const [type, value] of encoded) {
    out[offset] = type;
    out.set(value, offset + 1);
    offset += value.length + 2; // the terminator byte is already 0
  }
  return out;
}
