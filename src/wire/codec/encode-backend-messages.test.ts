import fc from 'fast-check';
import { Parser } from 'pg-protocol/dist/parser.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, cutsOf, frameAll, hex } from '../../../test/wire/support/frames.js';
import {
  decodeCommandComplete,
  decodeDataRow,
  decodeNoticeFields,
  decodeParameterStatus,
  decodeReadyForQuery,
  decodeRowDescription,
} from './decode-backend-message.js';
import {
  encodeAuthenticationCleartextPassword,
  encodeAuthenticationOk,
  encodeAuthenticationSASL,
  encodeAuthenticationSASLContinue,
  encodeAuthenticationSASLFinal,
} from './encode-authentication.js';
import {
  encodeCopyData,
  encodeCopyDone,
  encodeCopyInResponse,
  encodeCopyOutResponse,
} from './encode-copy-messages.js';
import { encodeErrorResponse, encodeNoticeResponse, type NoticeFields } from './encode-error-response.js';
import {
  encodeBindComplete,
  encodeCloseComplete,
  encodeCommandComplete,
  encodeEmptyQueryResponse,
  encodeNoData,
  encodeParameterDescription,
  encodeParseComplete,
  encodePortalSuspended,
} from './encode-query-responses.js';
import { encodeDataRow, encodeRowDescription, type RowField } from './encode-row-messages.js';
import {
  encodeBackendKeyData,
  encodeNegotiateProtocolVersion,
  encodeNotificationResponse,
  encodeParameterStatus,
  encodeReadyForQuery,
} from './encode-status-messages.js';

/** Parses backend bytes with node-postgres's parser (the client side we must satisfy). */
function parseWithPg(chunks: readonly Uint8Array[]): Record<string, unknown>[] {
  const parser = new Parser();
  const out: Record<string, unknown>[] = [];
  for (const chunk of chunks) {
    parser.parse(Buffer.from(chunk), (m) => {
      out.push(JSON.parse(JSON.stringify({ ...m, message: (m as { message?: string }).message })));
    });
  }
  return out;
}

const allFields: NoticeFields = {
  severity: 'ERROR',
  localizedSeverity: 'FEHLER',
  code: '23505',
  message: 'duplicate key value violates unique constraint "t_pkey"',
  detail: 'Key (id)=(1) already exists.',
  hint: 'pick another id',
  position: 12,
  internalPosition: '3',
  internalQuery: 'select 1',
  where: 'PL/pgSQL function f() line 3',
  schema: 'public',
  table: 't',
  column: 'id',
  dataType: 'int4',
  constraint: 't_pkey',
  file: 'nbtinsert.c',
  line: 666,
  routine: '_bt_check_unique',
};

const columns: RowField[] = [
  { name: 'id', tableOid: 16384, columnNumber: 1, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 },
  {
    name: 'naïve',
    tableOid: 0,
    columnNumber: 0,
    typeOid: 4294967295,
    typeSize: -1,
    typeModifier: 36,
    format: 1,
  },
];

// Each encoded message with what node-postgres's parser reads from it (the fields that matter).
const cases: [string, Uint8Array, Record<string, unknown>][] = [
  ['AuthenticationOk', encodeAuthenticationOk(), { name: 'authenticationOk' }],
  [
    'AuthenticationCleartextPassword',
    encodeAuthenticationCleartextPassword(),
    { name: 'authenticationCleartextPassword' },
  ],
  [
    'AuthenticationSASL',
    encodeAuthenticationSASL(['SCRAM-SHA-256']),
    { name: 'authenticationSASL', mechanisms: ['SCRAM-SHA-256'] },
  ],
  [
    'AuthenticationSASLContinue',
    encodeAuthenticationSASLContinue('r=ab,s=c2FsdA==,i=4096'),
    { name: 'authenticationSASLContinue', data: 'r=ab,s=c2FsdA==,i=4096' },
  ],
  [
    'AuthenticationSASLFinal',
    encodeAuthenticationSASLFinal('v=c2ln'),
    { name: 'authenticationSASLFinal', data: 'v=c2ln' },
  ],
  [
    'ParameterStatus',
    encodeParameterStatus('TimeZone', 'Europe/Zürich'),
    { name: 'parameterStatus', parameterName: 'TimeZone', parameterValue: 'Europe/Zürich' },
  ],
  [
    'BackendKeyData',
    encodeBackendKeyData(4242, -99),
    { name: 'backendKeyData', processID: 4242, secretKey: -99 },
  ],
  ['ReadyForQuery I', encodeReadyForQuery('I'), { name: 'readyForQuery', status: 'I' }],
  ['ReadyForQuery T', encodeReadyForQuery('T'), { name: 'readyForQuery', status: 'T' }],
  ['ReadyForQuery E', encodeReadyForQuery('E'), { name: 'readyForQuery', status: 'E' }],
  [
    'ErrorResponse',
    encodeErrorResponse(allFields),
    {
      name: 'error',
      severity: 'FEHLER',
      code: '23505',
      message: allFields.message,
      detail: allFields.detail,
      hint: allFields.hint,
      position: '12',
      internalPosition: '3',
      internalQuery: 'select 1',
      where: allFields.where,
      schema: 'public',
      table: 't',
      column: 'id',
      dataType: 'int4',
      constraint: 't_pkey',
      file: 'nbtinsert.c',
      line: '666',
      routine: '_bt_check_unique',
    },
  ],
  [
    'NoticeResponse',
    encodeNoticeResponse({ severity: 'NOTICE', code: '00000', message: 'hi' }),
    { name: 'notice', severity: 'NOTICE', code: '00000', message: 'hi' },
  ],
  [
    'RowDescription',
    encodeRowDescription(columns),
    {
      name: 'rowDescription',
      fieldCount: 2,
      fields: [
        {
          name: 'id',
          tableID: 16384,
          columnID: 1,
          dataTypeID: 23,
          dataTypeSize: 4,
          dataTypeModifier: -1,
          format: 'text',
        },
        {
          name: 'naïve',
          tableID: 0,
          columnID: 0,
          dataTypeID: 4294967295,
          dataTypeSize: -1,
          dataTypeModifier: 36,
          format: 'binary',
        },
      ],
    },
  ],
  [
    'DataRow',
    encodeDataRow(['1', null, '', 'ünï', Uint8Array.from([0x41, 0x42])]),
    { name: 'dataRow', fieldCount: 5, fields: ['1', null, '', 'ünï', 'AB'] },
  ],
  ['DataRow (no columns)', encodeDataRow([]), { name: 'dataRow', fieldCount: 0, fields: [] }],
  ['CommandComplete', encodeCommandComplete('INSERT 0 3'), { name: 'commandComplete', text: 'INSERT 0 3' }],
  ['EmptyQueryResponse', encodeEmptyQueryResponse(), { name: 'emptyQuery' }],
  ['ParseComplete', encodeParseComplete(), { name: 'parseComplete' }],
  ['BindComplete', encodeBindComplete(), { name: 'bindComplete' }],
  ['CloseComplete', encodeCloseComplete(), { name: 'closeComplete' }],
  ['NoData', encodeNoData(), { name: 'noData' }],
  ['PortalSuspended', encodePortalSuspended(), { name: 'portalSuspended' }],
  [
    'ParameterDescription',
    encodeParameterDescription([23, 25, 4294967295]),
    { name: 'parameterDescription', parameterCount: 3, dataTypeIDs: [23, 25, 4294967295] },
  ],
  [
    'CopyInResponse',
    encodeCopyInResponse(0, [0, 0]),
    { name: 'copyInResponse', binary: false, columnTypes: [0, 0] },
  ],
  [
    'CopyOutResponse',
    encodeCopyOutResponse(1, [1]),
    { name: 'copyOutResponse', binary: true, columnTypes: [1] },
  ],
  [
    'CopyData',
    encodeCopyData(Uint8Array.from([1, 2, 3])),
    { name: 'copyData', chunk: { type: 'Buffer', data: [1, 2, 3] } },
  ],
  ['CopyDone', encodeCopyDone(), { name: 'copyDone' }],
  [
    'NotificationResponse',
    encodeNotificationResponse(77, 'jobs', 'ready'),
    { name: 'notification', processId: 77, channel: 'jobs', payload: 'ready' },
  ],
];

describe('backend message encoders', () => {
  it('match hand-written byte fixtures', () => {
    expect(hex(encodeReadyForQuery('I'))).toBe('5a0000000549');
    expect(hex(encodeAuthenticationOk())).toBe('520000000800000000');
    expect(hex(encodeCommandComplete('SELECT 1'))).toBe('430000000d53454c454354203100');
    expect(hex(encodeDataRow(['7', null]))).toBe('440000000f00020000000137ffffffff');
    expect(hex(encodeBackendKeyData(1, 2))).toBe('4b0000000c0000000100000002');
    expect(hex(encodeAuthenticationSASL(['SCRAM-SHA-256']))).toBe(
      `52000000170000000a${Buffer.from('SCRAM-SHA-256\0\0').toString('hex')}`,
    );
    expect(hex(encodeNegotiateProtocolVersion(196608, ['_pq_.x']))).toBe(
      `76000000130003000000000001${Buffer.from('_pq_.x\0').toString('hex')}`,
    );
    expect(hex(encodeCopyInResponse(0, [0]))).toBe('47000000090000010000');
  });

  for (const [name, bytes, expected] of cases) {
    it(`encodes ${name} as node-postgres reads it, with a consistent length word`, () => {
      const frames = frameAll(bytes);
      expect(frames).toHaveLength(1);
      expect(frames[0]!.raw.length).toBe(bytes.length);
      const parsed = parseWithPg([bytes]);
      expect(parsed).toHaveLength(1);
      expect(parsed[0]).toMatchObject(expected);
    });
  }

  it('are read the same by node-postgres however the stream is cut (every offset)', () => {
    const stream = concatBytes(...cases.map(([, bytes]) => bytes));
    const whole = parseWithPg([stream]);
    expect(whole).toHaveLength(cases.length);
    for (const [head, tail] of cutsOf(stream)) expect(parseWithPg([head, tail])).toEqual(whole);
  });

  it('encode any DataRow exactly as a naive encoder would (short and long, ASCII and not)', () => {
    const naive = (values: readonly (string | Uint8Array | null)[]) => {
      const parts = values.map((v) => {
        if (v === null) return Buffer.from([255, 255, 255, 255]);
        const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
        const length = Buffer.alloc(4);
        length.writeInt32BE(bytes.length);
        return Buffer.concat([length, bytes]);
      });
      const body = Buffer.concat([Buffer.from([values.length >> 8, values.length & 255]), ...parts]);
      const header = Buffer.alloc(5);
      header[0] = 0x44;
      header.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([header, body]).toString('hex');
    };
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constant(null),
      fc.uint8Array({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 12 }), (values) => {
        expect(hex(encodeDataRow(values))).toBe(naive(values));
      }),
      { numRuns: 2000 },
    );
  });

  it('write counts unsigned, so 40 000 values or parameters fit', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => (i % 2 ? null : String(i)));
    const row = decodeDataRow(frameAll(encodeDataRow(values))[0]!);
    expect(row).toHaveLength(40_000);
    expect(Buffer.from(row[39_998]!).toString()).toBe('39998');
    // libpq reads these counts unsigned; node-postgres's parser reads them signed, so check the bytes.
    const description = Buffer.from(encodeParameterDescription(Array(40_000).fill(25)));
    expect([description.readUInt16BE(5), description.length]).toEqual([40_000, 7 + 4 * 40_000]);
  });

  it('replace a NUL inside a string, which would otherwise misalign the message', () => {
    const bytes = encodeCommandComplete('A\0B');
    expect(decodeCommandComplete(frameAll(bytes)[0]!)).toBe('A B');
  });

  it('send S as the non-localized severity when no localized one is given', () => {
    const fields = decodeNoticeFields(
      frameAll(encodeErrorResponse({ severity: 'FATAL', code: '57P01', message: 'bye' }))[0]!,
    );
    expect(fields).toEqual({ severity: 'FATAL', code: '57P01', message: 'bye' });
    expect(
      parseWithPg([encodeErrorResponse({ severity: 'FATAL', code: '57P01', message: 'bye' })])[0],
    ).toMatchObject({
      severity: 'FATAL',
    });
  });
});

describe('backend message readers', () => {
  it('read back what the encoders wrote', () => {
    const one = (bytes: Uint8Array) => frameAll(bytes)[0]!;
    expect(decodeReadyForQuery(one(encodeReadyForQuery('T')))).toBe('T');
    expect(decodeCommandComplete(one(encodeCommandComplete('UPDATE 7')))).toBe('UPDATE 7');
    expect(decodeRowDescription(one(encodeRowDescription(columns)))).toEqual(columns);
    expect(decodeParameterStatus(one(encodeParameterStatus('DateStyle', 'ISO, MDY')))).toEqual({
      name: 'DateStyle',
      value: 'ISO, MDY',
    });
    const { position, internalPosition, line, ...strings } = allFields;
    expect(decodeNoticeFields(one(encodeErrorResponse(allFields)))).toEqual({
      ...strings,
      position: '12',
      internalPosition: '3',
      line: '666',
    });
    const row = decodeDataRow(one(encodeDataRow(['x', null, Uint8Array.from([0])])));
    expect(row.map((v) => (v === null ? null : [...v]))).toEqual([[0x78], null, [0]]);
  });

  it('skip error fields of unknown type and refuse messages of the wrong type or shape', () => {
    const withUnknown = Uint8Array.from([
      0x45,
      0,
      0,
      0,
      18,
      0x5a,
      0x7a,
      0,
      0x43,
      ...Buffer.from('XX000'),
      0,
      0x4d,
      0x6d,
      0,
      0,
    ]);
    expect(decodeNoticeFields(frameAll(withUnknown)[0]!)).toEqual({
      severity: 'ERROR',
      code: 'XX000',
      message: 'm',
    });
    expect(() => decodeReadyForQuery(frameAll(encodeCommandComplete('x'))[0]!)).toThrow(
      /expected ReadyForQuery, got backend message type 'C'/,
    );
    const badStatus = Uint8Array.from([0x5a, 0, 0, 0, 5, 0x51]);
    expect(() => decodeReadyForQuery(frameAll(badStatus)[0]!)).toThrow(/unknown status 'Q'/);
    const truncatedRow = Uint8Array.from([0x44, 0, 0, 0, 10, 0, 1, 0, 0, 0, 9]);
    expect(() => decodeDataRow(frameAll(truncatedRow)[0]!)).toThrow(/expected 9 bytes/);
  });
});
