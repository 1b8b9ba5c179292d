import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import { internalStatementName, rebindStatement } from './frontend-messages.js';

describe("messages sent on a client's behalf", () => {
  it('renames the statement of a Bind and keeps every other byte', () => {
    const original = serialize.bind({ portal: 'p1', statement: 'client_stmt', values: ['42', null, 'é'] });
    const expected = serialize.bind({ portal: 'p1', statement: 'sy_0123', values: ['42', null, 'é'] });
    expect(Buffer.from(rebindStatement(original, 'sy_0123'))).toEqual(expected);
    const unnamed = serialize.bind({ values: ['1'] });
    expect(Buffer.from(rebindStatement(unnamed, 'x'))).toEqual(
      serialize.bind({ statement: 'x', values: ['1'] }),
    );
  });

  it('names statements by text and declared types', () => {
    const a = internalStatementName('select $1', []);
    expect(a).toMatch(/^sy_[0-9a-f]{32}$/);
    expect(internalStatementName('select $1', [])).toBe(a);
    expect(internalStatementName('select $1', [20])).not.toBe(a);
    expect(internalStatementName('select $2', [])).not.toBe(a);
  });
});
