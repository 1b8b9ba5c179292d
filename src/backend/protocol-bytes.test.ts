import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import {
  forEachMessage,
  messageEnd,
  parameterStatusOf,
  readCString,
  readyForQueryMessage,
  readyForQueryRequests,
  readyStatus,
} from './protocol-bytes.js';

const batch = Buffer.concat([
  serialize.parse({ text: 'select 1' }),
  serialize.bind({}),
  serialize.execute({}),
  serialize.sync(),
  serialize.query('select 2'),
  serialize.flush(),
]);

describe('forEachMessage', () => {
  it('visits each whole message with its bounds', () => {
    const seen: string[] = [];
    forEachMessage(batch, (type, start, end) => seen.push(`${String.fromCharCode(type)}:${end - start}`));
    expect(seen).toEqual([
      `P:${serialize.parse({ text: 'select 1' }).length}`,
      `B:${serialize.bind({}).length}`,
      'E:10',
      'S:5',
      `Q:${serialize.query('select 2').length}`,
      'H:5',
    ]);
  });

  it('finds where a message ends, or -1 for a cut message or a bad length word', () => {
    expect(messageEnd(batch, 0)).toBe(serialize.parse({ text: 'select 1' }).length);
    expect(messageEnd(batch.subarray(0, 7), 0)).toBe(-1);
    expect(messageEnd(Uint8Array.of(0x51, 0, 0, 0, 3), 0)).toBe(-1);
    expect(messageEnd(Uint8Array.of(0x51, 0xff, 0xff, 0xff, 0xff), 0)).toBe(-1);
  });

  it('stops before a truncated message', () => {
    const seen: number[] = [];
    forEachMessage(batch.subarray(0, batch.length - 3), (type) => seen.push(type));
    expect(seen.map((t) => String.fromCharCode(t)).join('')).toBe('PBESQ');
  });
});

describe('readyForQueryRequests', () => {
  it('counts Sync, Query and FunctionCall', () => {
    expect(readyForQueryRequests(batch)).toBe(2);
    expect(readyForQueryRequests(serialize.flush())).toBe(0);
    expect(readyForQueryRequests(Uint8Array.of(0x46, 0, 0, 0, 4))).toBe(1);
  });
});

describe('ReadyForQuery', () => {
  it('reads and writes the status byte', () => {
    for (const status of ['I', 'T', 'E'] as const) {
      const message = readyForQueryMessage(status);
      expect([...message]).toEqual([0x5a, 0, 0, 0, 5, status.charCodeAt(0)]);
      expect(readyStatus(message.subarray(5))).toBe(status);
    }
  });
});

describe('strings', () => {
  it('reads C strings and ParameterStatus bodies', () => {
    const body = Buffer.from('TimeZone\0Europe/Zürich\0');
    expect(parameterStatusOf(body)).toEqual(['TimeZone', 'Europe/Zürich']);
    expect(readCString(body, 0)).toEqual(['TimeZone', 9]);
  });
});
