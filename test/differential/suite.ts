// The differential suite's machinery: starts Switchyard over the given shards with the shop schema
// (created through Switchyard) and data, an unsharded oracle (PGlite or a database on the real
// server) with the same rows, and compares every case's result with the oracle's: same column names
// and type OIDs, same rows (in order when the case says `ordered`, as multisets otherwise), floats
// within a relative 1e-12 since the order of additions differs. Known differences are tracked in
// the README and left out of the cases.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShardPlacement, type Switchyard, startSwitchyard } from '../frontend/switchyard-harness.js';
import type { PgServer } from '../harness/postgres-server.js';
import { generateShop, insertSql, shopSchema, shopTables } from './schema.js';

/** One statement compared with the oracle. */
export interface Case {
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** The statement orders its rows completely: compare in order. */
  readonly ordered?: boolean;
}

/** Cases grouped by theme. */
export type Themes = Record<string, readonly Case[]>;

type Rows = (string | null)[][];
interface Answer {
  fields: [string, number][];
  rows: Rows;
}

/** The unsharded database the answers are compared with. */
export interface Oracle {
  exec(sql: string): Promise<void>;
  query(sql: string, params: readonly unknown[]): Promise<Answer>;
  close(): Promise<void>;
}

const raw = { getTypeParser: () => (value: string) => value };
/** PGlite parsers keeping every built-in type's value as the server's text. */
const textParsers = Object.fromEntries(
  Array.from({ length: 5000 }, (_, oid) => [oid, (value: string) => value]),
);

export async function pgliteOracle(): Promise<Oracle> {
  const db = await PGlite.create();
  return {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async (sql, params) => {
      const r = await db.query<unknown[]>(sql, [...params], { rowMode: 'array', parsers: textParsers });
      return {
        fields: r.fields.map((f) => [f.name, f.dataTypeID]),
        rows: r.rows.map((row) => row.map((v) => (v === null ? null : String(v)))),
      };
    },
    close: () => db.close(),
  };
}

export async function postgresOracle(server: PgServer): Promise<Oracle> {
  const admin = new pg.Client(server.url());
  await admin.connect();
  await admin.query('CREATE DATABASE differential_oracle');
  await admin.end();
  const db = new pg.Client(server.url('differential_oracle'));
  await db.connect();
  return {
    exec: async (sql) => {
      await db.query(sql);
    },
    query: async (sql, params) => {
      const r = await db.query({ text: sql, values: [...params], rowMode: 'array', types: raw });
      return { fields: r.fields.map((f) => [f.name, f.dataTypeID]), rows: r.rows };
    },
    close: () => db.end(),
  };
}

const FLOAT_OIDS = new Set([700, 701]);

/** The row with floats rounded, as a sort key that float noise in the last bits does not move. */
function sortKey(row: (string | null)[], floats: ReadonlySet<number>): string {
  return JSON.stringify(row.map((v, i) => (v !== null && floats.has(i) ? Number(v).toPrecision(9) : v)));
}

function sorted(rows: Rows, floats: ReadonlySet<number>): Rows {
  return rows
    .map((row) => [sortKey(row, floats), row] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, row]) => row);
}

function closeEnough(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= 1e-12 * Math.max(Math.abs(x), Math.abs(y));
}

/** Asserts Switchyard's answer equals the oracle's. */
export function expectSameAnswer(mine: Answer, theirs: Answer, ordered: boolean): void {
  expect(mine.fields).toEqual(theirs.fields);
  const floats = new Set(theirs.fields.flatMap(([, oid], i) => (FLOAT_OIDS.has(oid) ? [i] : [])));
  const a = ordered ? mine.rows : sorted(mine.rows, floats);
  const b = ordered ? theirs.rows : sorted(theirs.rows, floats);
  if (floats.size === 0) {
    expect(a).toEqual(b);
    return;
  }
  expect(a.length).toBe(b.length);
  a.forEach((row, r) => {
    const other = b[r] ?? [];
    const same = row.every((v, i) => {
      const w = other[i] ?? null;
      return v === null || w === null || !floats.has(i) ? v === w : closeEnough(v, w);
    });
    if (!same) expect(row).toEqual(other);
  });
}

/** Creates the shop through Switchyard and on the oracle, and loads the same rows into both. */
async function loadShop(sy: Switchyard, client: pg.Client, oracle: Oracle): Promise<void> {
  for (const ddl of shopSchema) {
    await client.query(ddl);
    await oracle.exec(ddl);
  }
  const shop = generateShop();
  const reference = [insertSql('regions', shop.regions), insertSql('products', shop.products)].join(';\n');
  for (const backend of sy.cluster.backends()) await backend.exec(reference);
  await oracle.exec(reference);
  const oracleBatch: string[] = [];
  for (const { customer, orders, lines } of shop.byCustomer) {
    for (const sql of [
      insertSql('customers', [customer]),
      insertSql('orders', orders),
      insertSql('order_lines', lines),
    ]) {
      if (sql === undefined) continue;
      await client.query(sql);
      oracleBatch.push(sql);
    }
  }
  await oracle.exec(oracleBatch.join(';\n'));
}

/** The differential cases and refusals for shards placed by `placement()`, against `makeOracle()`. */
export function differentialSuite(
  placement: () => ShardPlacement,
  makeOracle: () => Promise<Oracle>,
  themes: Themes,
  refused: readonly string[],
): void {
  let sy: Switchyard;
  let client: pg.Client;
  let oracle: Oracle;
  beforeAll(async () => {
    sy = await startSwitchyard(placement(), { tables: shopTables });
    client = await sy.client();
    oracle = await makeOracle();
    await client.query("SET TimeZone = 'UTC'");
    await oracle.exec("SET TimeZone = 'UTC'");
    await loadShop(sy, client, oracle);
  });
  afterAll(async () => {
    await sy?.stop();
    await oracle?.close();
  });

  for (const [theme, cases] of Object.entries(themes)) {
    describe(theme, () => {
      it.each(cases)('$sql', async ({ sql, params, ordered }) => {
        const values = params ? [...params] : [];
        const mine = await client.query({ text: sql, values, rowMode: 'array', types: raw });
        const theirs = await oracle.query(sql, values);
        const answer = {
          fields: mine.fields.map((f): [string, number] => [f.name, f.dataTypeID]),
          rows: mine.rows,
        };
        expectSameAnswer(answer, theirs, ordered === true);
      });
    });
  }

  describe('refused with 0A000', () => {
    it.each(refused)('%s', async (sql) => {
      await expect(client.query(sql)).rejects.toMatchObject({ code: '0A000' });
    });
  });
}
