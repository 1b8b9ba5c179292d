// Test support: pgoutput messages encoded as a server sends them, for byte-level fixtures.

/** Builds a message field by field (big-endian). */
export class MessageWriter {
  readonly #parts: number[] = [];

  byte(value: number): this {
    this.#parts.push(value & 0xff);
    return this;
  }

  char(c: string): this {
    return this.byte(c.charCodeAt(0));
  }

  int16(value: number): this {
    return this.byte(value >> 8).byte(value);
  }

  int32(value: number): this {
    return this.byte(value >>> 24)
      .byte(value >>> 16)
      .byte(value >>> 8)
      .byte(value);
  }

  int64(value: bigint): this {
    return this.int32(Number((value >> 32n) & 0xffffffffn)).int32(Number(value & 0xffffffffn));
  }

  cstring(text: string): this {
    for (const b of Buffer.from(text, 'utf8')) this.byte(b);
    return this.byte(0);
  }

  /** A TupleData: strings as text, null as 'n', 'u' for the unchanged-TOAST marker. */
  tuple(values: readonly (string | null | { unchanged: true })[]): this {
    this.int16(values.length);
    for (const value of values) {
      if (value === null) this.char('n');
      else if (typeof value === 'object') this.char('u');
      else {
        const bytes = Buffer.from(value, 'utf8');
        this.char('t').int32(bytes.length);
        for (const b of bytes) this.byte(b);
      }
    }
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

export const begin = (finalLsn: bigint, xid: number, commitTime = 0n) =>
  new MessageWriter().char('B').int64(finalLsn).int64(commitTime).int32(xid).bytes();

export const commit = (commitLsn: bigint, endLsn: bigint, commitTime = 0n) =>
  new MessageWriter().char('C').byte(0).int64(commitLsn).int64(endLsn).int64(commitTime).bytes();

export const relation = (
  id: number,
  schema: string,
  table: string,
  columns: readonly [name: string, typeOid: number, key?: boolean][],
  replicaIdentity = 'f',
) => {
  const w = new MessageWriter().char('R').int32(id).cstring(schema).cstring(table).char(replicaIdentity);
  w.int16(columns.length);
  for (const [name, typeOid, key] of columns)
    w.byte(key ? 1 : 0)
      .cstring(name)
      .int32(typeOid)
      .int32(-1);
  return w.bytes();
};

export const insert = (id: number, values: readonly (string | null)[]) =>
  new MessageWriter().char('I').int32(id).char('N').tuple(values).bytes();

export const update = (
  id: number,
  old: readonly (string | null | { unchanged: true })[] | null,
  values: readonly (string | null | { unchanged: true })[],
  oldKind = 'O',
) => {
  const w = new MessageWriter().char('U').int32(id);
  if (old) w.char(oldKind).tuple(old);
  return w.char('N').tuple(values).bytes();
};

export const del = (id: number, old: readonly (string | null)[], oldKind = 'O') =>
  new MessageWriter().char('D').int32(id).char(oldKind).tuple(old).bytes();

export const truncate = (ids: readonly number[], options = 0) => {
  const w = new MessageWriter().char('T').int32(ids.length).byte(options);
  for (const id of ids) w.int32(id);
  return w.bytes();
};

export const logicalMessage = (prefix: string, content: string, transactional = true, lsn = 0n) => {
  const bytes = Buffer.from(content, 'utf8');
  const w = new MessageWriter()
    .char('M')
    .byte(transactional ? 1 : 0)
    .int64(lsn)
    .cstring(prefix)
    .int32(bytes.length);
  for (const b of bytes) w.byte(b);
  return w.bytes();
};
