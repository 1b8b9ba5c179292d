import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import {
  concatBytes,
  cstr,
  cutsOf,
  frameAll,
  frameChunks,
  hex,
  i16,
  i32,
  message,
} from '../../../test/wire/support/frames.js';
import { decodeFrontendMessage } from './decode-frontend-message.js';
import type { FrontendMessage } from './frontend-message.js';
import { ProtocolError } from './protocol-error.js';

const bytes = (b: Buffer) => Uint8Array.from(b);
const decodeOne = (m: Uint8Array) => {
  const frames = frameAll(m);
  expect(frames).toHaveLength(1);
  return decodeFrontendMessage(frames[0]!);
};
/** The message without `raw`, and views turned into plain arrays, for toEqual. */
function plain(m: FrontendMessage): Record<string, unknown> {
  const { raw: _raw, ...rest } = m;
  return JSON.parse(JSON.stringify(rest, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));
}

// Every frontend message the query phase can carry, as node-postgres serialises it, with what it means.
const fixtures: [string, Uint8Array, Record<string, unknown>][] = [
  ['Query', bytes(serialize.query('select 1')), { type: 'Query', query: 'select 1' }],
  [
    'Parse',
    bytes(serialize.parse({ name: 's1', text: 'select $1::int, $2', types: [23, 4294967295] })),
    { type: 'Parse', statement: 's1', query: 'select $1::int, $2', parameterTypes: [23, 4294967295] },
  ],
  [
    'Bind',
    bytes(
      serialize.bind({
        portal: 'p1',
        statement: 's1',
        values: ['42', null, Buffer.from([1, 2])],
        binary: true,
      }),
    ),
    {
      type: 'Bind',
      portal: 'p1',
      statement: 's1',
      parameterFormats: [0, 0, 1],
      parameters: [[0x34, 0x32], null, [1, 2]],
      resultFormats: [1],
    },
  ],
  [
    'Bind (unnamed, no parameters)',
    bytes(serialize.bind()),
    { type: 'Bind', portal: '', statement: '', parameterFormats: [], parameters: [], resultFormats: [0] },
  ],
  [
    'Describe S',
    bytes(serialize.describe({ type: 'S', name: 's1' })),
    { type: 'Describe', target: 'S', name: 's1' },
  ],
  ['Describe P', bytes(serialize.describe({ type: 'P' })), { type: 'Describe', target: 'P', name: '' }],
  [
    'Execute',
    bytes(serialize.execute({ portal: 'p1', rows: 10 })),
    { type: 'Execute', portal: 'p1', maxRows: 10 },
  ],
  ['Execute (all rows)', bytes(serialize.execute()), { type: 'Execute', portal: '', maxRows: 0 }],
  ['Close', bytes(serialize.close({ type: 'P', name: 'p1' })), { type: 'Close', target: 'P', name: 'p1' }],
  ['Sync', bytes(serialize.sync()), { type: 'Sync' }],
  ['Flush', bytes(serialize.flush()), { type: 'Flush' }],
  ['Terminate', bytes(serialize.end()), { type: 'Terminate' }],
  [
    'CopyData',
    bytes(serialize.copyData(Buffer.from('1\tx\n'))),
    { type: 'CopyData', data: [...Buffer.from('1\tx\n')] },
  ],
  ['CopyDone', bytes(serialize.copyDone()), { type: 'CopyDone' }],
  ['CopyFail', bytes(serialize.copyFail('no more')), { type: 'CopyFail', message: 'no more' }],
  [
    'FunctionCall',
    message('F', [...i32(1598), ...i16(0), ...i16(0), ...i16(0)]),
    { type: 'FunctionCall', functionOid: 1598 },
  ],
];

describe('decodeFrontendMessage', () => {
  it('matches a hand-written byte fixture (Query, Sync, Bind)', () => {
    // Checks the test's serialiser too: the bytes below are written from the protocol spec.
    expect(hex(bytes(serialize.query('select 1')))).toBe('510000000d73656c656374203100');
    expect(hex(bytes(serialize.sync()))).toBe('5300000004');
    const bind = message('B', [
      ...cstr(''),
      ...cstr('s'),
      ...i16(1),
      ...i16(1),
      ...i16(1),
      ...i32(2),
      7,
      8,
      ...i16(0),
    ]);
    expect(plain(decodeOne(bind))).toEqual({
      type: 'Bind',
      portal: '',
      statement: 's',
      parameterFormats: [1],
      parameters: [[7, 8]],
      resultFormats: [],
    });
  });

  for (const [name, raw, expected] of fixtures) {
    it(`decodes ${name} as node-postgres serialises it, keeping the raw bytes`, () => {
      const decoded = decodeOne(raw);
      expect(plain(decoded)).toEqual(expected);
      expect(hex(decoded.raw)).toBe(hex(raw));
    });
  }

  it('gives the same messages however the stream is cut (every offset)', () => {
    const stream = concatBytes(...fixtures.map(([, raw]) => raw));
    const whole = frameAll(stream).map((f) => plain(decodeFrontendMessage(f)));
    expect(whole).toEqual(fixtures.map(([, , expected]) => expected));
    for (const [head, tail] of cutsOf(stream)) {
      expect(frameChunks([head, tail]).map((f) => plain(decodeFrontendMessage(f)))).toEqual(whole);
    }
  });

  it('reads parameter counts unsigned, as PostgreSQL does (up to 65 535 parameters)', () => {
    const values = Array.from({ length: 40_000 }, (_, i) => String(i));
    const decoded = decodeOne(bytes(serialize.bind({ values })));
    if (decoded.type !== 'Bind') throw new Error('expected Bind');
    expect(decoded.parameters).toHaveLength(40_000);
    expect(Buffer.from(decoded.parameters[39_999]!).toString()).toBe('39999');
    const parse = decodeOne(bytes(serialize.parse({ text: 'x', types: Array(40_000).fill(23) })));
    expect(parse.type === 'Parse' && parse.parameterTypes.length).toBe(40_000);
  });

  it('gives Bind parameters as views into the raw message (no copy)', () => {
    const decoded = decodeOne(bytes(serialize.bind({ values: ['abc'] })));
    if (decoded.type !== 'Bind') throw new Error('expected Bind');
    expect(decoded.parameters[0]!.buffer).toBe(decoded.raw.buffer);
  });

  const malformed: [string, Uint8Array, RegExp][] = [
    [
      'Query without NUL',
      message('Q', [...Buffer.from('select 1')]),
      /Query message: a string is missing its NUL/,
    ],
    [
      'Query with trailing bytes',
      message('Q', [...cstr('select 1'), 7]),
      /1 unexpected bytes after the last field/,
    ],
    [
      'Parse whose type count overruns',
      message('P', [...cstr(''), ...cstr('x'), ...i16(3), ...i32(23)]),
      /Parse message: expected an Int32/,
    ],
    [
      'Parse whose type count, read unsigned (65 535), overruns',
      message('P', [...cstr(''), ...cstr('x'), ...i16(-1)]),
      /Parse message: expected an Int32/,
    ],
    [
      'Bind with a bad format code',
      message('B', [...cstr(''), ...cstr(''), ...i16(1), ...i16(2), ...i16(0), ...i16(0)]),
      /unsupported parameter format code 2/,
    ],
    [
      'Bind with a bad result format code',
      message('B', [...cstr(''), ...cstr(''), ...i16(0), ...i16(0), ...i16(1), ...i16(-3)]),
      /unsupported result format code -3/,
    ],
    [
      'Bind whose value overruns',
      message('B', [...cstr(''), ...cstr(''), ...i16(0), ...i16(1), ...i32(100), 1, 2]),
      /Bind message: expected 100 bytes/,
    ],
    [
      'Bind with a length below -1',
      message('B', [...cstr(''), ...cstr(''), ...i16(0), ...i16(1), ...i32(-2), ...i16(0)]),
      /invalid length -2 of parameter 1/,
    ],
    [
      'Bind with format and parameter counts that disagree',
      message('B', [
        ...cstr(''),
        ...cstr(''),
        ...i16(2),
        ...i16(0),
        ...i16(0),
        ...i16(1),
        ...i32(-1),
        ...i16(0),
      ]),
      /2 parameter formats for 1 parameters/,
    ],
    ['Bind cut short', message('B', [...cstr('')]), /Bind message: a string is missing its NUL/],
    [
      'Describe of an unknown target',
      message('D', [0x58, ...cstr('x')]),
      /target must be 'S' or 'P', got 'X'/,
    ],
    ['Close without a target', message('C', []), /Close message: expected a byte/],
    ['Execute without maxRows', message('E', cstr('')), /Execute message: expected an Int32/],
    ['Sync with a body', message('S', [0]), /Sync message: 1 unexpected bytes/],
    ['Terminate with a body', message('X', [1, 2]), /Terminate message: 2 unexpected bytes/],
    ['an unknown type', message('z', []), /invalid frontend message type 'z'/],
    ['a password after startup', message('p', cstr('secret')), /unexpected authentication response/],
  ];
  for (const [name, raw, pattern] of malformed) {
    it(`refuses ${name} with a ProtocolError 08P01`, () => {
      const frame = frameAll(raw)[0]!;
      let caught: unknown;
      try {
        decodeFrontendMessage(frame);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProtocolError);
      expect((caught as ProtocolError).code).toBe('08P01');
      expect((caught as ProtocolError).message).toMatch(pattern);
    });
  }

  it('never quotes the message content in an error (it may hold parameters)', () => {
    const frame = frameAll(message('Q', [...Buffer.from('select secret_value')]))[0]!;
    expect(() => decodeFrontendMessage(frame)).toThrow(ProtocolError);
    try {
      decodeFrontendMessage(frame);
    } catch (error) {
      expect(String(error)).not.toContain('secret_value');
    }
  });
});
