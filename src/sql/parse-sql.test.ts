import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from './parse-sql.js';
import { SqlSyntaxError } from './sql-syntax-error.js';

beforeAll(async () => {
  await loadSqlParser();
});

function syntaxError(sql: string): SqlSyntaxError {
  try {
    parseSql(sql);
  } catch (error) {
    if (error instanceof SqlSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${sql}`);
}

describe('parseSql', () => {
  it('splits a query string into statements with their own text', () => {
    const sql = 'BEGIN;  SELECT 1 ;\nUPDATE t SET a = 1 WHERE id = $1; COMMIT';
    const statements = parseSql(sql);
    expect(statements.map((s) => s.sql)).toEqual([
      'BEGIN',
      'SELECT 1',
      'UPDATE t SET a = 1 WHERE id = $1',
      'COMMIT',
    ]);
    for (const s of statements) expect(sql.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
    expect(Object.keys(statements[1]?.ast ?? {})).toEqual(['SelectStmt']);
  });

  it('slices by characters when the text holds multi-byte characters', () => {
    const sql = "SELECT 'héllo ☃'; SELECT 'ü' AS x; SELECT 3";
    const statements = parseSql(sql);
    expect(statements.map((s) => s.sql)).toEqual(["SELECT 'héllo ☃'", "SELECT 'ü' AS x", 'SELECT 3']);
    for (const s of statements) expect(sql.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
  });

  it('returns no statement for empty strings, blanks, comments and bare semicolons', () => {
    for (const sql of ['', '   ', '-- just a comment', ';;', '/* c */ ;']) expect(parseSql(sql)).toEqual([]);
  });

  it('reports syntax errors as PostgreSQL words them, with a 1-based character position', () => {
    const error = syntaxError('selec 1');
    expect(error.code).toBe('42601');
    expect(error.message).toBe('syntax error at or near "selec"');
    expect(error.position).toBe(1);
    expect(syntaxError('SELECT 1 +').message).toBe('syntax error at end of input');
    expect(syntaxError('SELECT 1 +').position).toBe(11);
    expect(syntaxError("SELECT 'abc").message).toBe('unterminated quoted string at or near "\'abc"');
  });

  it('counts the position in characters, not UTF-8 bytes', () => {
    // 'é' is two bytes; psql puts the caret under the character, which PostgreSQL counts as one.
    const error = syntaxError("SELECT 'éé' selec x");
    expect(error.position).toBe("SELECT 'éé' selec ".length + 1);
  });

  it('fails the whole string when any statement has an error', () => {
    expect(syntaxError('SELECT 1; SELEC 2').position).toBe('SELECT 1; '.length + 1);
  });
});
