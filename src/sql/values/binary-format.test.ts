// The binary formats against PostgreSQL itself. Send: the server prints each value in text and in
// binary (a binary-format DataRow, written by the type's send function); encoding the parsed text must
// give the server's bytes, and decoding the bytes must print the server's text. Receive: bytes bound
// as a binary parameter (read by the type's recv function), valid or not, must be accepted with the
// same value or refused with the same SQLSTATE. Runs on PGlite (PostgreSQL 18) and a real PostgreSQL.
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithPostgres } from '../../../test/harness/describe-postgres.js';
import { startPostgres } from '../../../test/harness/postgres-server.js';
import { decodeBinary, encodeBinary, hasBinaryFormat } from './binary-format.js';
import { PgNumeric } from './pg-numeric.js';
import { pgType } from './pg-type.js';
import { SCALAR_TYPES } from './scalar-types.js';
import { sqlState } from './sql-oracle.js';
import { ARRAY_ELEMENT_OID, ARRAY_OF } from './type-oids.js';

/** A server that runs one-column queries with binary parameters, answering in either format. */
interface BinaryOracle {
  /** server_version_num. */
  readonly version: number;
  /** The column's type OID and its values (text format: UTF-8 bytes of the text). */
  query(
    sql: string,
    params: readonly Uint8Array[],
    format: 'text' | 'binary',
  ): Promise<{ oid: number; values: (Uint8Array | null)[] }>;
  close(): Promise<void>;
}

// ignoreBOM: a leading U+FEFF is part of the server's text, not a marker to drop.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const fromHex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** PGlite through the raw protocol: its own client API sends parameters and reads results as text. */
async function pgliteBinaryOracle(): Promise<BinaryOracle> {
  const db = await PGlite.create();
  return {
    version: 180000,
    async query(sql, params, format) {
      const raw = await db.execProtocolRaw(
        Buffer.concat([
          serialize.parse({ text: sql }),
          serialize.bind({ values: params.map((p) => Buffer.from(p)), binary: format === 'binary' }),
          serialize.describe({ type: 'P' }),
          serialize.execute(),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
      return readMessages(raw);
    },
    close: () => db.close(),
  };
}

/** The first column's type and values from RowDescription and DataRow; an ErrorResponse is thrown. */
function readMessages(raw: Uint8Array): { oid: number; values: (Uint8Array | null)[] } {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let oid = 0;
  const values: (Uint8Array | null)[] = [];
  for (let pos = 0; pos < raw.length; pos += 1 + view.getInt32(pos + 1)) {
    const type = String.fromCharCode(raw[pos] ?? 0);
    const body = pos + 5;
    if (type === 'T') {
      const nameEnd = raw.indexOf(0, body + 2);
      oid = view.getUint32(nameEnd + 7);
    } else if (type === 'D') {
      const length = view.getInt32(body + 2);
      values.push(length < 0 ? null : raw.subarray(body + 6, body + 6 + length));
    } else if (type === 'E') {
      const fields = new Map<string, string>();
      for (let f = body; raw[f] !== 0; ) {
        const end = raw.indexOf(0, f + 1);
        fields.set(String.fromCharCode(raw[f] ?? 0), utf8.decode(raw.subarray(f + 1, end)));
        f = end + 1;
      }
      throw Object.assign(new Error(fields.get('M')), { code: fields.get('C') });
    }
  }
  return { oid, values };
}

// Every value as the server printed it.
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * A real server through node-postgres, which sends Buffer parameters in binary but reads every result
 * as UTF-8 text; binary output comes from the column type's send function instead, as bytea.
 */
function pgClientBinaryOracle(client: pg.Client, version: number): BinaryOracle {
  const run = async (sql: string, params: readonly Uint8Array[]) => {
    const result = await client.query({
      text: sql,
      values: params.map((p) => Buffer.from(p)),
      rowMode: 'array',
      types: rawText,
    });
    const values = (result.rows as (string | null)[][]).map((r) => r[0] ?? null);
    return { oid: result.fields[0]?.dataTypeID ?? 0, values };
  };
  return {
    version,
    async query(sql, params, format) {
      const text = await run(sql, params);
      if (format === 'text') {
        return {
          oid: text.oid,
          values: text.values.map((v) => (v === null ? null : new TextEncoder().encode(v))),
        };
      }
      const send = (await run(`SELECT typsend::text FROM pg_type WHERE oid = ${text.oid}`, [])).values[0];
      const sent = await run(`SELECT ${send}(q.x) FROM (${sql}) q(x)`, params);
      return { oid: text.oid, values: sent.values.map((v) => (v === null ? null : fromHex(v.slice(2)))) };
    },
    close: () => client.end(),
  };
}

const str = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', 'é', '€', '😀', '"', '\\', '{', ',', '\n', '\u00a0', '\ufeff', 'N'),
  maxLength: 8,
});
const bigNumeric = fc
  .tuple(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }))
  .map(([u, s]) => PgNumeric.of(u, s).toString());
const timestampExpr = fc
  .tuple(fc.integer({ min: -2_400_000, max: 2_000_000 }), fc.integer({ min: 0, max: 86_399_999_999 }))
  .map(([d, us]) => `((date '2000-01-01' + ${d})::timestamp + ${us} * interval '1 microsecond')`);

/** Per type: SQL type name, OID, edge-case literals, random SQL expressions. */
interface TypeCase {
  type: string;
  oid: number;
  edges: string[];
  /** Edge cases only PostgreSQL 17 and later accept. */
  pg17Edges?: string[];
  random?: fc.Arbitrary<string>;
}

const TEXTS = ['', 'abc', 'é€😀', '  padded  ', 'quote " back \\ slash', '\ufeffbom', 'tab\tnl\n', 'NULL'];

const CASES: TypeCase[] = [
  { type: 'bool', oid: 16, edges: ['true', 'false'] },
  {
    type: 'int2',
    oid: 21,
    edges: ['0', '-1', '1', '-32768', '32767'],
    random: fc.integer({ min: -32768, max: 32767 }).map(String),
  },
  {
    type: 'int4',
    oid: 23,
    edges: ['0', '-1', '-2147483648', '2147483647', '65536'],
    random: fc.integer().map((n) => `(${n})`),
  },
  {
    type: 'int8',
    oid: 20,
    edges: ['0', '-1', '-9223372036854775808', '9223372036854775807', '4294967296'].map(lit),
    random: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => lit(`${n}`)),
  },
  {
    type: 'oid',
    oid: 26,
    edges: ['0', '2147483648', '4294967295'].map(lit),
    random: fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => lit(`${n}`)),
  },
  {
    type: 'float8',
    oid: 701,
    edges: [
      '0',
      '-0',
      '1',
      '-1',
      'NaN',
      'Infinity',
      '-Infinity',
      '0.1',
      '1e-320',
      '4.9e-324',
      '2.2250738585072014e-308',
      '1.7976931348623157e308',
      '-123456.789',
    ].map(lit),
    random: fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .map((d) => lit(Object.is(d, -0) ? '-0' : String(d))),
  },
  {
    type: 'float4',
    oid: 700,
    edges: [
      '0',
      '-0',
      '1',
      'NaN',
      'Infinity',
      '-Infinity',
      '0.1',
      '1e-45',
      '1.17549435e-38',
      '3.4028235e38',
    ].map(lit),
    random: fc
      .float({ noNaN: true, noDefaultInfinity: true })
      .map((d) => lit(Object.is(d, -0) ? '-0' : String(d))),
  },
  {
    type: 'numeric',
    oid: 1700,
    edges: [
      '0',
      '-0',
      '0.000',
      '1',
      '-1',
      '0.0001',
      '1e-20',
      '-0.5',
      '123456789012345678901234567890.123',
      '9999',
      '10000',
      '99999999.99999999',
      '1e100',
      '1.5e-300',
      '100.0000',
      '0.00001000',
      'NaN',
      'Infinity',
      '-Infinity',
    ].map(lit),
    random: bigNumeric.map(lit),
  },
  ...(['text', 'varchar', 'bpchar', 'name'] as const).map((type) => ({
    type,
    oid: { text: 25, varchar: 1043, bpchar: 1042, name: 19 }[type],
    edges: [...TEXTS.map(lit), `repeat('é', 40)`, ...(type === 'bpchar' ? [`'ab'::char(5)`] : [])],
    random: str.map(lit),
  })),
  {
    type: 'bytea',
    oid: 17,
    edges: [
      `'\\x'`,
      `'\\x00ff'`,
      `(SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) i)`,
    ],
    random: fc.uint8Array({ maxLength: 6 }).map((b) => lit(`\\x${hex(b)}`)),
  },
  {
    type: 'uuid',
    oid: 2950,
    edges: ['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'].map(lit),
    random: fc.uuid().map(lit),
  },
  {
    type: 'date',
    oid: 1082,
    edges: [
      '2000-01-01',
      '1999-12-31',
      '0001-01-01',
      '0001-12-31 BC',
      '4714-11-24 BC',
      '5874897-12-31',
      'infinity',
      '-infinity',
    ].map(lit),
    random: fc.integer({ min: -2_400_000, max: 3_000_000 }).map((n) => `(date '2000-01-01' + ${n})`),
  },
  ...(['timestamp', 'timestamptz'] as const).map((type) => ({
    type,
    oid: type === 'timestamp' ? 1114 : 1184,
    edges: [
      '2000-01-01 00:00:00',
      '1999-12-31 23:59:59.999999',
      '1970-01-01 00:00:00.000001',
      '4714-11-24 00:00:00 BC',
      '294276-12-31 23:59:59.999999',
      'infinity',
      '-infinity',
      ...(type === 'timestamptz' ? ['2024-03-01 10:00:00+05:30'] : []),
    ].map(lit),
    random: timestampExpr,
  })),
  {
    type: 'interval',
    oid: 1186,
    edges: [
      '0',
      '1 mon',
      '-1 mon',
      '1 day',
      '1 mon 2 days 00:00:00.000001',
      '-1 year -2 days -00:00:01',
      '178000000 years',
      '-2147483648 days',
      '2147483647 days',
      '2562047788:00:54.775807',
    ].map(lit),
    pg17Edges: ['infinity', '-infinity'].map(lit),
    random: fc
      .tuple(
        fc.integer({ min: -400, max: 400 }),
        fc.integer({ min: -700, max: 700 }),
        fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
      )
      .map(([m, d, us]) => lit(`${m} mons ${d} days ${us} microseconds`)),
  },
  {
    type: 'json',
    oid: 114,
    edges: ['{"b": 1, "a": [1.50, 2e3], "b": 2}', ' [ ] ', 'null', '"\\u00e9\\ud83d\\ude00"', '-0'].map(lit),
    random: fc.json({ maxDepth: 2 }).map(lit),
  },
  {
    type: 'jsonb',
    oid: 3802,
    edges: [
      '{"b":1, "a":[1.50, 2e3, -0, 1E-2], "b":2}',
      '{"ab":1,"b":2,"é":3,"z":4,"":5}',
      '"\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\"\\\\\\/"',
      '123456789012345678901234567890e-40',
      '{}',
      '[]',
      '[[{}]]',
      'true',
      '"\\ud83d\\ude00 é"',
    ].map(lit),
    random: fc.json({ maxDepth: 3 }).map(lit),
  },
];

function runBinarySuite(open: () => Promise<BinaryOracle>): void {
  let db: BinaryOracle;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(() => db?.close());

  /** The server's text and binary output of each expression, as one column of type `c.type`. */
  async function serverValues(type: string, exprs: string[]) {
    const values = exprs.map((e, i) => `(${i}, (${e})::${type})`).join(', ');
    const sql = `SELECT x FROM (VALUES ${values}) t(i, x) ORDER BY i`;
    const text = await db.query(sql, [], 'text');
    const binary = await db.query(sql, [], 'binary');
    expect(binary.oid).toBe(text.oid);
    return {
      oid: text.oid,
      rows: text.values.map((t, i) => ({
        text: t === null ? null : utf8.decode(t),
        bytes: binary.values[i] ?? null,
      })),
    };
  }

  /**
   * Sends `bytes` as a binary parameter of `type`: our decoding must print what the server prints and
   * encode to what the server sends back, or fail with the server's SQLSTATE.
   */
  async function expectSameRecv(
    type: string,
    oid: number,
    bytes: Uint8Array,
    sameBytes = true,
  ): Promise<void> {
    let server: { text: string; sent: string } | { code: string | undefined };
    try {
      const text = (await db.query(`SELECT $1::${type}`, [bytes], 'text')).values[0];
      const sent = (await db.query(`SELECT $1::${type}`, [bytes], 'binary')).values[0];
      server = { text: utf8.decode(text ?? new Uint8Array()), sent: hex(sent ?? new Uint8Array()) };
    } catch (error) {
      const code = sqlState(error);
      // Running out of bytes is a protocol violation to the server; an unknown jsonb version, an
      // internal error. Both are malformed values here.
      server = { code: code === '08P01' || code === 'XX000' ? '22P03' : code };
    }
    let ours: { text: string; sent: string } | { code: string | undefined };
    try {
      const value = decodeBinary(oid, bytes);
      ours = { text: pgType(oid).format(value), sent: hex(encodeBinary(oid, value)) };
    } catch (error) {
      ours = { code: sqlState(error) };
    }
    if (!sameBytes && 'sent' in ours && 'sent' in server) ours.sent = server.sent;
    expect(ours, `${type} ${hex(bytes)}`).toEqual(server);
  }

  /** Encoding matches send and decoding reads it back, for each value the server printed. */
  async function checkSend(type: string, oid: number, exprs: string[]) {
    const { oid: columnOid, rows } = await serverValues(type, exprs);
    expect(columnOid).toBe(oid);
    const t = pgType(oid);
    for (const { text, bytes } of rows) {
      expect(text === null, type).toBe(bytes === null);
      if (text === null || bytes === null) continue;
      expect(hex(encodeBinary(oid, t.parse(text))), `${type} ${text}`).toBe(hex(bytes));
      expect(t.format(decodeBinary(oid, bytes)), `${type} ${hex(bytes)}`).toBe(text);
    }
    return rows.flatMap((r) => (r.bytes === null ? [] : [r.bytes]));
  }

  /** Each proper prefix and the value with a byte appended: the server's verdict on each. */
  async function checkTruncations(type: string, oid: number, samples: Uint8Array[]) {
    for (const bytes of samples) {
      for (let n = 0; n < bytes.length; n++) await expectSameRecv(type, oid, bytes.subarray(0, n));
      await expectSameRecv(type, oid, Uint8Array.of(...bytes, 0));
    }
  }

  const edgesOf = (c: TypeCase) => [...c.edges, ...(db.version >= 170000 ? (c.pg17Edges ?? []) : [])];
  const shortest = (values: Uint8Array[], n: number) =>
    [...values].sort((a, b) => a.length - b.length).slice(0, n);

  for (const c of CASES) {
    it(`${c.type}: encodes as send, decodes as recv`, async () => {
      const exprs = [...edgesOf(c), ...(c.random ? fc.sample(c.random, { numRuns: 60, seed: c.oid }) : [])];
      const sent = await checkSend(c.type, c.oid, exprs);
      for (const bytes of sent) expect(hex(encodeBinary(c.oid, decodeBinary(c.oid, bytes)))).toBe(hex(bytes));
      await checkTruncations(c.type, c.oid, shortest(sent, 3));
    });

    const arrayOid = ARRAY_OF.get(c.oid);
    if (arrayOid === undefined) continue;
    it(`${c.type}[]: encodes as array_send, decodes as array_recv`, async () => {
      const edges = edgesOf(c);
      const el = (i: number) => `(${edges[i % edges.length]})::${c.type}`;
      const array = `${c.type}[]`;
      const exprs = [
        `ARRAY[${el(0)}, ${el(1)}, NULL, ${el(2)}]`,
        `ARRAY[${edges.map((_, i) => el(i)).join(', ')}]`,
        `ARRAY[[${el(0)}, NULL], [${el(1)}, ${el(2)}]]`,
        `ARRAY[[[${el(2)}]], [[${el(3)}]]]`,
        `ARRAY[NULL]::${array}`,
        `'{}'::${array}`,
        `('[-2:0]=' || (ARRAY[${el(0)}, ${el(1)}, ${el(2)}]::${array})::text)::${array}`,
        `('[5:6][0:0]=' || (ARRAY[[${el(3)}], [NULL]]::${array})::text)::${array}`,
      ];
      const sent = await checkSend(array, arrayOid, exprs);
      await checkTruncations(array, arrayOid, shortest(sent, 4));
    });
  }

  it('numeric: random binary headers and digits are read as numeric_recv reads them', async () => {
    const digit = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 9999 }) },
      fc.constantFrom(0, 10000, 65535),
    );
    const header = fc.record({
      digits: fc.array(digit, { maxLength: 6 }),
      ndigits: fc.option(fc.integer({ min: 0, max: 8 }), { freq: 5 }),
      weight: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: -8, max: 8 }) },
        fc.integer({ min: -32768, max: 32767 }),
      ),
      sign: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0, 0x4000) },
        fc.constantFrom(0xc000, 0xd000, 0xf000, 0x8000, 1),
      ),
      dscale: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
        fc.constantFrom(0x3fff, 0x4000),
      ),
    });
    for (const h of fc.sample(header, { numRuns: 300, seed: 1700 })) {
      const view = new DataView(new ArrayBuffer(8 + 2 * h.digits.length));
      view.setUint16(0, h.ndigits ?? h.digits.length);
      view.setInt16(2, h.weight);
      view.setUint16(4, h.sign);
      view.setUint16(6, h.dscale);
      for (const [i, d] of h.digits.entries()) view.setUint16(8 + 2 * i, d);
      await expectSameRecv('numeric', 1700, new Uint8Array(view.buffer));
    }
  });

  it('scalars: edge bytes are accepted or refused as recv does', async () => {
    const int32 = (n: number) => {
      const v = new DataView(new ArrayBuffer(4));
      v.setInt32(0, n);
      return new Uint8Array(v.buffer);
    };
    const int64 = (n: bigint) => {
      const v = new DataView(new ArrayBuffer(8));
      v.setBigInt64(0, n);
      return new Uint8Array(v.buffer);
    };
    const cases: [string, number, Uint8Array[]][] = [
      ['bool', 16, ['02', 'ff', '00'].map(fromHex)],
      [
        'float8',
        701,
        ['7ff0000000000001', 'fff8000000000000', '0000000000000001', '8000000000000000'].map(fromHex),
      ],
      ['float4', 700, ['ffc00000', '00000001'].map(fromHex)],
      ['date', 1082, [-2451546, -2451545, 2145031948, 2145031949, 2147483646, -2147483647].map(int32)],
      ...(['timestamp', 'timestamptz'] as const).map((type): [string, number, Uint8Array[]] => [
        type,
        type === 'timestamp' ? 1114 : 1184,
        [
          -211813488000000001n,
          -211813488000000000n,
          9223371331199999999n,
          9223371331200000000n,
          2n ** 63n - 2n,
        ].map(int64),
      ]),
      [
        'interval',
        1186,
        ['7fffffffffffffff0000000000000000', '8000000000000000ffffffff7fffffff'].map(fromHex),
      ],
      ['uuid', 2950, ['000102030405060708090a0b0c0d0e0f'].map(fromHex)],
    ];
    for (const [type, oid, inputs] of cases)
      for (const bytes of inputs) await expectSameRecv(type, oid, bytes);
  });

  it('text types: UTF-8 is checked, NUL refused, a BOM kept; name under 64 bytes', async () => {
    const inputs = [
      'ff',
      'c3',
      'c328',
      'c080',
      'eda080',
      'f4908080',
      'f09f9880',
      '4100',
      'efbbbf41',
      'e282ac',
      '',
      '78'.repeat(63),
      '78'.repeat(64),
      `${'78'.repeat(61)}c3a9`,
      `${'78'.repeat(62)}c3a9`,
    ].map(fromHex);
    for (const [type, oid] of [
      ['text', 25],
      ['varchar', 1043],
      ['bpchar', 1042],
      ['name', 19],
      ['unknown', 705],
    ] as const) {
      for (const bytes of inputs) await expectSameRecv(type, oid, bytes);
    }
  });

  it('json and jsonb: validated as the server parses them, jsonb read back canonical', async () => {
    const texts = [
      '{"a":1',
      '[1,]',
      '[1}',
      '{"a":1]',
      '{"a":1,}',
      '[[1]}]',
      '01',
      '1.',
      '.5',
      '+1',
      '-',
      '1e',
      '1e+',
      'tru',
      'nul',
      '"\\x"',
      '"\\u12"',
      '"a\u0001"',
      '"\\u0000"',
      '"\\ud800"',
      '"\\udc00"',
      '"\\ud800\\ud800"',
      '"\\ud800x"',
      '"\\ud800\\n"',
      '"\\ud83d\\ude00"',
      '{"a" 1}',
      '{1:2}',
      '[1 2]',
      '1 2',
      ' \t\n\r1\r\n',
      '{"a":{"b":[true,false,null]}}',
      '""',
      '"unterminated',
      '{"b":1,"a":2,"b":3}',
      '{"aa":1,"b":2,"c":{"y":1,"x":2}}',
      '[1.0,1e2,-0.0,1E-2,123.4500]',
      '1e400',
      '[]x',
      '{"\\u00e9":1,"e":2,"\\u20ac":3,"😀":4,"\\uffff":5}',
      '"\\/\\b\\u001F"',
      '\u00a01',
      '',
    ];
    // Random documents with any Unicode in their strings (lone surrogates come out as \u escapes).
    const documents = fc.sample(fc.json({ maxDepth: 3, stringUnit: 'binary' }), { numRuns: 150, seed: 3802 });
    for (const text of [...texts, ...documents]) {
      const bytes = new TextEncoder().encode(text);
      await expectSameRecv('json', 114, bytes);
      await expectSameRecv('jsonb', 3802, Uint8Array.of(1, ...bytes));
    }
    for (const version of [0, 2, 255]) await expectSameRecv('jsonb', 3802, Uint8Array.of(version, 0x31));
  });

  it('arrays: headers are checked as array_recv checks them', async () => {
    /** An int4[] (or other) header with `bounds` as length, lower bound pairs, then int4 items. */
    const build = (
      ndim: number,
      flags: number,
      element: number,
      bounds: number[],
      items: (number | null)[],
    ) => {
      const view = new DataView(new ArrayBuffer(12 + 4 * bounds.length + items.length * 8));
      view.setInt32(0, ndim);
      view.setInt32(4, flags);
      view.setUint32(8, element);
      let pos = 12;
      for (const b of bounds) {
        view.setInt32(pos, b);
        pos += 4;
      }
      for (const item of items) {
        view.setInt32(pos, item === null ? -1 : 4);
        if (item !== null) view.setInt32(pos + 4, item);
        pos += item === null ? 4 : 8;
      }
      return new Uint8Array(view.buffer, 0, pos);
    };
    const unitDims = (n: number) => Array.from({ length: 2 * n }, () => 1);
    const inputs = [
      build(1, 0, 23, [2, 1], [1, 2]),
      build(1, 0, 23, [2, 1], [1, null]), // NULL without the has-nulls flag: accepted
      build(1, 1, 23, [2, 1], [1, 2]),
      build(1, 2, 23, [2, 1], [1, 2]),
      build(-1, 0, 23, [], []),
      build(7, 0, 23, unitDims(7), [1]),
      build(6, 0, 23, unitDims(6), [1]),
      build(1, 0, 25, [1, 1], [1]),
      build(1, 0, 20, [1, 1], [1]),
      build(1, 0, 99999, [1, 1], [1]),
      build(1, 0, 23, [0, 1], []),
      build(2, 0, 23, [0, 1, 5, 1], []),
      build(1, 0, 23, [-1, 1], []),
      build(1, 0, 23, [1, 2147483647], [1]),
      build(1, 0, 23, [2, 2147483646], [1, 2]),
      build(1, 0, 23, [1, -2147483648], [1]),
      build(2, 0, 23, [65536, 1, 65536, 1], []),
      build(1, 0, 23, [100, 1], [1]),
      build(0, 0, 23, [], []),
      build(0, 1, 23, [], []),
      Uint8Array.of(...build(0, 0, 23, [], []), 0),
      Uint8Array.of(...build(1, 0, 23, [1, 1], []), 0xff, 0xff, 0xff, 0xfe),
      Uint8Array.of(...build(1, 0, 23, [1, 1], []), 0, 0, 0, 2, 0, 1),
    ];
    for (const bytes of inputs) await expectSameRecv('int4[]', 1007, bytes);
    const textArray = build(1, 0, 25, [1, 1], []);
    await expectSameRecv('text[]', 1009, Uint8Array.of(...textArray, 0, 0, 0, 1, 0xff));
    await expectSameRecv(
      'numeric[]',
      1231,
      Uint8Array.of(...build(1, 0, 1700, [1, 1], []), 0, 0, 0, 8, 0, 0, 0, 0, 0x12, 0, 0, 0),
    );
  });
}

describe('binary formats [PGlite]', () => {
  runBinarySuite(pgliteBinaryOracle);
});

describeWithPostgres('binary formats', () => {
  let stop = () => {};
  afterAll(() => stop());
  runBinarySuite(async () => {
    const server = await startPostgres();
    stop = () => server.stop();
    const client = new pg.Client(server.url());
    await client.connect();
    await client.query("SET TimeZone = 'UTC'");
    const version = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
    return pgClientBinaryOracle(client, version);
  });
});

describe('binary formats without a server', () => {
  const roundTrip = (oid: number, value: Parameters<typeof encodeBinary>[1]) =>
    decodeBinary(oid, encodeBinary(oid, value));

  it('integers round-trip', () => {
    fc.assert(fc.property(fc.integer({ min: -32768, max: 32767 }), (n) => roundTrip(21, n) === n));
    fc.assert(fc.property(fc.integer(), (n) => roundTrip(23, n) === n));
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => roundTrip(26, n) === n));
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => roundTrip(20, n) === n),
    );
  });

  it('floats round-trip bit for bit, -0 and NaN included', () => {
    fc.assert(fc.property(fc.double(), (d) => Object.is(roundTrip(701, d), d)));
    fc.assert(fc.property(fc.float(), (d) => Object.is(roundTrip(700, d), d)));
  });

  it('numerics round-trip with their display scale', () => {
    const numeric = fc.oneof(
      fc
        .tuple(fc.bigInt({ min: -(10n ** 60n), max: 10n ** 60n }), fc.integer({ min: 0, max: 80 }))
        .map(([u, s]) => PgNumeric.of(u, s)),
      fc.constantFrom('NaN', 'Infinity', '-Infinity').map((s) => PgNumeric.parse(s)),
    );
    fc.assert(
      fc.property(numeric, (n) => {
        const back = roundTrip(1700, n) as PgNumeric;
        return back.toString() === n.toString() && back.groupKey() === n.groupKey();
      }),
    );
  });

  it('text round-trips through UTF-8', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000'));
    fc.assert(fc.property(text, (s) => roundTrip(25, s) === s && roundTrip(1043, s) === s));
  });

  it('reads JSON nested deeper than the call stack could go', () => {
    const depth = 100_000;
    const text = `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
    const bytes = new TextEncoder().encode(text);
    expect(decodeBinary(114, bytes)).toBe(text);
    const jsonb = new Uint8Array(bytes.length + 1);
    jsonb[0] = 1;
    jsonb.set(bytes, 1);
    expect(decodeBinary(3802, jsonb)).toBe(`${'[{"a": '.repeat(depth)}1${'}]'.repeat(depth)}`);
  });

  it('reads values out of a larger buffer at any offset', () => {
    const inner = encodeBinary(1700, PgNumeric.parse('-12345.678'));
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 3);
    expect(String(decodeBinary(1700, outer.subarray(3, 3 + inner.length)))).toBe('-12345.678');
  });

  it('knows the supported types and refuses the rest with 0A000', () => {
    for (const oid of SCALAR_TYPES.keys()) expect(hasBinaryFormat(oid), String(oid)).toBe(true);
    for (const oid of ARRAY_ELEMENT_OID.keys()) expect(hasBinaryFormat(oid), String(oid)).toBe(true);
    for (const oid of [0, 18, 600, 790, 1083, 1266]) expect(hasBinaryFormat(oid), String(oid)).toBe(false);
    expect(() => encodeBinary(600, 1)).toThrow(expect.objectContaining({ code: '0A000' }));
    expect(() => decodeBinary(790, new Uint8Array(8))).toThrow(expect.objectContaining({ code: '0A000' }));
  });

  it('names the type in a malformed-input error', () => {
    expect(() => decodeBinary(23, new Uint8Array(3))).toThrow(
      expect.objectContaining({ code: '22P03', message: expect.stringContaining('integer') }),
    );
    expect(() => decodeBinary(1700, fromHex('0001000000000000ffff'))).toThrow(
      expect.objectContaining({ code: '22P03', message: expect.stringContaining('numeric') }),
    );
    expect(() => decodeBinary(1007, fromHex('000000010000000200000017'))).toThrow(
      expect.objectContaining({ code: '22P03', message: expect.stringContaining('integer[]') }),
    );
  });
});
