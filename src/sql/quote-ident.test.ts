import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteQualified } from './quote-ident.js';

describe('quoteIdent', () => {
  it('leaves plain lowercase names bare and quotes the rest', () => {
    expect(quoteIdent('tasks')).toBe('tasks');
    expect(quoteIdent('Tasks')).toBe('"Tasks"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('1st')).toBe('"1st"');
    expect(quoteQualified('app.Users')).toBe('app."Users"');
  });
});
