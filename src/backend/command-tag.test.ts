import { describe, expect, it } from 'vitest';
import { parseCommandTag } from './command-tag.js';

describe('parseCommandTag', () => {
  it.each([
    ['SELECT 3', 'SELECT', 3],
    ['INSERT 0 5', 'INSERT', 5],
    ['UPDATE 0', 'UPDATE', 0],
    ['CREATE TABLE', 'CREATE TABLE', null],
    ['PREPARE TRANSACTION', 'PREPARE TRANSACTION', null],
    ['MERGE 12', 'MERGE', 12],
    ['COPY 1000000', 'COPY', 1000000],
    ['BEGIN', 'BEGIN', null],
  ])('%s', (tag, command, rowCount) => {
    expect(parseCommandTag(tag)).toEqual({ command, rowCount });
  });
});
