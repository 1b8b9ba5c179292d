// Decodes one pgoutput message (the payload of an XLogData) into a PgoutputMessage. Pure: bytes in,
// a message out; a message that is cut short or of an unknown type is a protocol violation.
import { CdcError, CdcErrorCode } from '../cdc-error.js';
import {
  type OldTupleKind,
  type PgoutputMessage,
  type RelationColumn,
  type TupleValue,
  unchangedToast,
} from './pgoutput-message.js';

/**
 * The message in `bytes`.
 *
 * @example decodePgoutput(xlogData.subarray(25)) // { tag: 'begin', finalLsn: 22n, … }
 * @throws CdcError 08P01 for a truncated or unknown message.
 */
export function decodePgoutput(bytes: Uint8Array): PgoutputMessage {
  const r = new Cursor(bytes);
  const tag = r.byte();
  switch (tag) {
    case 0x42: // 'B'
      return { tag: 'begin', finalLsn: r.int64(), commitTime: r.int64(), xid: r.uint32() };
    case 0x43: // 'C'
      return {
        tag: 'commit',
        flags: r.byte(),
        commitLsn: r.int64(),
        endLsn: r.int64(),
        commitTime: r.int64(),
      };
    case 0x4f: // 'O'
      return { tag: 'origin', lsn: r.int64(), name: r.cstring() };
    case 0x52: {
      // 'R'
      const relationId = r.uint32();
      const schema = r.cstring();
      const table = r.cstring();
      const replicaIdentity = String.fromCharCode(r.byte());
      const count = r.int16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < count; i++) {
        columns.push({ flags: r.byte(), name: r.cstring(), typeOid: r.uint32(), typeModifier: r.int32() });
      }
      // pgoutput sends an empty namespace for pg_catalog.
      return { tag: 'relation', relationId, schema: schema || 'pg_catalog', table, replicaIdentity, columns };
    }
    case 0x59: // 'Y'
      return { tag: 'type', typeOid: r.uint32(), schema: r.cstring() || 'pg_catalog', name: r.cstring() };
    case 0x49: {
      // 'I'
      const relationId = r.uint32();
      r.expect(0x4e, 'N');
      return { tag: 'insert', relationId, new: r.tuple() };
    }
    case 0x55: {
      // 'U'
      const relationId = r.uint32();
      let kind = r.byte();
      let oldKind: OldTupleKind | null = null;
      let old: TupleValue[] | null = null;
      if (kind === 0x4b || kind === 0x4f) {
        oldKind = kind === 0x4b ? 'K' : 'O';
        old = r.tuple();
        kind = r.byte();
      }
      if (kind !== 0x4e) throw r.invalid(`an Update whose new tuple starts with byte ${kind}`);
      return { tag: 'update', relationId, oldKind, old, new: r.tuple() };
    }
    case 0x44: {
      // 'D'
      const relationId = r.uint32();
      const kind = r.byte();
      if (kind !== 0x4b && kind !== 0x4f)
        throw r.invalid(`a Delete whose old tuple starts with byte ${kind}`);
      return { tag: 'delete', relationId, oldKind: kind === 0x4b ? 'K' : 'O', old: r.tuple() };
    }
    case 0x54: {
      // 'T'
      const count = r.uint32();
      const options = r.byte();
      const relationIds: number[] = [];
      for (let i = 0; i < count; i++) relationIds.push(r.uint32());
      return { tag: 'truncate', options, relationIds };
    }
    case 0x4d: {
      // 'M'
      const transactional = r.byte() === 1;
      const lsn = r.int64();
      const prefix = r.cstring();
      const length = r.uint32();
      return { tag: 'message', transactional, lsn, prefix, content: r.bytes(length) };
    }
    default:
      throw r.invalid(`a message of type ${tag} (${JSON.stringify(String.fromCharCode(tag))})`);
  }
}

/** Reads big-endian fields from a message, checking every read stays inside it. */
class Cursor {
  readonly #bytes: Buffer;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  invalid(what: string): CdcError {
    return new CdcError(
      CdcErrorCode.protocolViolation,
      `the server sent ${what}, which is not valid pgoutput (protocol version 1)`,
    );
  }

  #need(count: number): number {
    const at = this.#pos;
    if (at + count > this.#bytes.length) throw this.invalid('a message cut short');
    this.#pos = at + count;
    return at;
  }

  byte(): number {
    return this.#bytes[this.#need(1)]!;
  }

  expect(value: number, name: string): void {
    const got = this.byte();
    if (got !== value) throw this.invalid(`byte ${got} where '${name}' belongs`);
  }

  int16(): number {
    return this.#bytes.readInt16BE(this.#need(2));
  }

  int32(): number {
    return this.#bytes.readInt32BE(this.#need(4));
  }

  uint32(): number {
    return this.#bytes.readUInt32BE(this.#need(4));
  }

  int64(): bigint {
    return this.#bytes.readBigInt64BE(this.#need(8));
  }

  cstring(): string {
    const end = this.#bytes.indexOf(0, this.#pos);
    if (end < 0) throw this.invalid('a string without its terminator');
    const text = this.#bytes.toString('utf8', this.#pos, end);
    this.#pos = end + 1;
    return text;
  }

  bytes(length: number): Uint8Array {
    const at = this.#need(length);
    return this.#bytes.subarray(at, at + length);
  }

  tuple(): TupleValue[] {
    const count = this.int16();
    const values: TupleValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const kind = this.byte();
      if (kind === 0x74) {
        // 't': text
        const length = this.uint32();
        const at = this.#need(length);
        values[i] = this.#bytes.toString('utf8', at, at + length);
      } else if (kind === 0x6e)
        values[i] = null; // 'n'
      else if (kind === 0x75)
        values[i] = unchangedToast; // 'u'
      else if (kind === 0x62)
        values[i] = Uint8Array.prototype.slice.call(this.bytes(this.uint32())); // 'b'
      else throw this.invalid(`a tuple value of kind ${kind}`);
    }
    return values;
  }
}
