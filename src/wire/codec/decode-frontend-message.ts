// Decodes the typed messages a client sends after startup (simple and extended query protocol, COPY
// FROM STDIN, Terminate, and FunctionCall only far enough to refuse it). Pure: takes a frame from the
// MessageFramer, returns a FrontendMessage whose views share the frame's memory.
import type { Frame } from '../../protocol/message-framer.js';
import { ByteReader } from './byte-reader.js';
import type { Bind, FrontendMessage } from './frontend-message.js';
import { describeTypeByte, FrontendMessageType as T } from './message-types.js';
import { ProtocolError } from './protocol-error.js';

/**
 * Decodes one typed frontend message of the query phase.
 *
 * 'p' (password / SASL) messages are only valid during authentication: see
 * `decodeAuthenticationResponse`; here they are a protocol violation, as in PostgreSQL.
 *
 * @throws ProtocolError (08P01) naming the message and what is wrong with it.
 * @example
 *   for (const frame of framer.push(chunk)) messages.push(decodeFrontendMessage(frame));
 */
export function decodeFrontendMessage(frame: Frame): FrontendMessage {
  const { body, raw } = frame;
  switch (frame.type) {
    case T.Query: {
      const reader = new ByteReader(body, 'Query');
      const query = reader.cstring();
      reader.end();
      return { type: 'Query', query, raw };
    }
    case T.Parse: {
      const reader = new ByteReader(body, 'Parse');
      const statement = reader.cstring();
      const query = reader.cstring();
      const count = reader.count16();
      const parameterTypes: number[] = new Array(count);
      for (let i = 0; i < count; i++) parameterTypes[i] = reader.uint32();
      reader.end();
      return { type: 'Parse', statement, query, parameterTypes, raw };
    }
    case T.Bind:
      return decodeBind(body, raw);
    case T.Describe: {
      const reader = new ByteReader(body, 'Describe');
      const target = readTarget(reader);
      const name = reader.cstring();
      reader.end();
      return { type: 'Describe', target, name, raw };
    }
    case T.Execute: {
      const reader = new ByteReader(body, 'Execute');
      const portal = reader.cstring();
      const maxRows = reader.int32();
      reader.end();
      return { type: 'Execute', portal, maxRows, raw };
    }
    case T.Close: {
      const reader = new ByteReader(body, 'Close');
      const target = readTarget(reader);
      const name = reader.cstring();
      reader.end();
      return { type: 'Close', target, name, raw };
    }
    case T.Sync:
      expectEmpty(body, 'Sync');
      return { type: 'Sync', raw };
    case T.Flush:
      expectEmpty(body, 'Flush');
      return { type: 'Flush', raw };
    case T.Terminate:
      expectEmpty(body, 'Terminate');
      return { type: 'Terminate', raw };
    case T.CopyData:
      return { type: 'CopyData', data: body, raw };
    case T.CopyDone:
      expectEmpty(body, 'CopyDone');
      return { type: 'CopyDone', raw };
    case T.CopyFail: {
      const reader = new ByteReader(body, 'CopyFail');
      const message = reader.cstring();
      reader.end();
      return { type: 'CopyFail', message, raw };
    }
    case T.FunctionCall: {
      // Only the OID: the call is refused, its arguments are never looked at.
      const functionOid = new ByteReader(body, 'FunctionCall').uint32();
      return { type: 'FunctionCall', functionOid, raw };
    }
    case T.PasswordMessage:
      throw new ProtocolError("unexpected authentication response ('p') after authentication completed");
    default:
      throw new ProtocolError(`invalid frontend message type ${describeTypeByte(frame.type)}`);
  }
}

function decodeBind(body: Uint8Array, raw: Uint8Array): Bind {
  const reader = new ByteReader(body, 'Bind');
  const portal = reader.cstring();
  const statement = reader.cstring();
  const parameterFormats = readFormatCodes(reader, 'parameter');
  const count = reader.count16();
  if (parameterFormats.length > 1 && parameterFormats.length !== count) {
    throw reader.error(`${parameterFormats.length} parameter formats for ${count} parameters`);
  }
  const parameters: (Uint8Array | null)[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const length = reader.int32();
    if (length < -1) throw reader.error(`invalid length ${length} of parameter ${i + 1}`);
    parameters[i] = length === -1 ? null : reader.bytes(length);
  }
  const resultFormats = readFormatCodes(reader, 'result');
  reader.end();
  return { type: 'Bind', portal, statement, parameterFormats, parameters, resultFormats, raw };
}

function readFormatCodes(reader: ByteReader, what: string): number[] {
  const count = reader.count16();
  const codes: number[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const code = reader.int16();
    if (code !== 0 && code !== 1) throw reader.error(`unsupported ${what} format code ${code}`);
    codes[i] = code;
  }
  return codes;
}

function readTarget(reader: ByteReader): 'S' | 'P' {
  const byte = reader.byte();
  if (byte === 0x53) return 'S';
  if (byte === 0x50) return 'P';
  throw reader.error(`target must be 'S' or 'P', got ${describeTypeByte(byte)}`);
}

function expectEmpty(body: Uint8Array, message: string): void {
  if (body.length !== 0) new ByteReader(body, message).end();
}
