import { Parser } from 'pg-protocol/dist/parser.js';
import { describe, expect, it } from 'vitest';
import { errorResponseMessage, parseErrorResponse, shardErrorFromResponse } from './error-response.js';

/** Decodes with pg-protocol's parser, an independent codec. */
function decodeWithPg(bytes: Uint8Array): Record<string, unknown> {
  let decoded: Record<string, unknown> = {};
  new Parser().parse(Buffer.from(bytes), (message) => {
    decoded = message as unknown as Record<string, unknown>;
  });
  return decoded;
}

describe('errorResponseMessage', () => {
  it('writes an ErrorResponse that another decoder reads back', () => {
    const message = errorResponseMessage({
      code: '55P03',
      message: 'waited too long — ünïcode',
      hint: 'try later',
    });
    expect(decodeWithPg(message)).toMatchObject({
      name: 'error',
      severity: 'ERROR',
      code: '55P03',
      message: 'waited too long — ünïcode',
      hint: 'try later',
    });
    expect(parseErrorResponse(message.subarray(5))).toEqual({
      code: '55P03',
      message: 'waited too long — ünïcode',
      fields: { severity: 'ERROR', hint: 'try later' },
    });
  });
});

describe('shardErrorFromResponse', () => {
  it('keeps the SQLSTATE and the server fields, and names the shard', () => {
    const body = Buffer.from(
      'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "app"\0Rauth_failed\0\0',
    );
    const error = shardErrorFromResponse('s1', body);
    expect(error.code).toBe('28P01');
    expect(error.message).toBe('shard "s1": password authentication failed for user "app"');
    expect(error.severity).toBe('FATAL');
    expect(error.routine).toBe('auth_failed');
  });
});
