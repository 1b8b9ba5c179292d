// Encoders for the COPY sub-protocol: CopyInResponse, CopyOutResponse, CopyData and CopyDone.

import { allocMessage, constantMessage } from './message-buffer.js';
import { BackendMessageType as B } from './message-types.js';

const copyDone = constantMessage(B.CopyDone);

/** CopyInResponse: the server is ready for COPY FROM STDIN data. `format` 0 = text, 1 = binary. */
export function encodeCopyInResponse(format: 0 | 1, columnFormats: readonly number[]): Uint8Array {
  return copyResponse(B.CopyInResponse, format, columnFormats);
}

/** CopyOutResponse: COPY TO STDOUT data follows. `format` 0 = text, 1 = binary. */
export function encodeCopyOutResponse(format: 0 | 1, columnFormats: readonly number[]): Uint8Array {
  return copyResponse(B.CopyOutResponse, format, columnFormats);
}

/** CopyData: one chunk of COPY data. */
export function encodeCopyData(data: Uint8Array): Uint8Array {
  const out = allocMessage(B.CopyData, data.length);
  out.set(data, 5);
  return out;
}

/** CopyDone. Shared constant: do not modify. */
export function encodeCopyDone(): Uint8Array {
  return copyDone;
}

function copyResponse(type: number, format: 0 | 1, columnFormats: readonly number[]): Uint8Array {
  const out = allocMessage(type, 3 + 2 * columnFormats.length);
  out[5] = format;
  out.writeUInt16BE(columnFormats.length, 6);
  let offset = 8;
  for (const f of columnFormats) offset = out.writeInt16BE(f, offset);
  return out;
}
