// The differential suite's own schema and data: a shop with customers (sharded by id), orders and
// order_lines (co-located with customers by customer_id), products and regions (reference tables).
// Rows are generated deterministically from a seeded PRNG, with NULLs, duplicates, ties, mixed case,
// accents and multibyte text everywhere, and rendered as INSERT statements (one per shard key).
import type { TableConfig } from '../../src/cluster/config.js';

/** How Switchyard places the tables (as under `tables:` in switchyard.yaml). */
export const shopTables: Record<string, TableConfig> = {
  customers: { shardKey: 'id' },
  orders: { shardKey: 'customer_id', colocateWith: 'customers' },
  order_lines: { shardKey: 'customer_id', colocateWith: 'customers' },
  products: { reference: true },
  regions: { reference: true },
};

/** CREATE TABLE statements, run through Switchyard (and on the oracle). */
export const shopSchema: readonly string[] = [
  `CREATE TABLE regions (code text PRIMARY KEY, name text NOT NULL, vat numeric(5,2), active boolean)`,
  `CREATE TABLE products (id int4 PRIMARY KEY, sku text NOT NULL, name text, price numeric(12,2),
     weight float8, tags text[], launched date)`,
  `CREATE TABLE customers (id int8 PRIMARY KEY, name text, email text, region text, tier int4,
     balance numeric(12,2), score float8, active boolean, born date, created_at timestamptz,
     tags text[], lucky int4[])`,
  `CREATE TABLE orders (customer_id int8 NOT NULL, id int8 NOT NULL, status text, total numeric(12,2),
     discount float8, paid boolean, ordered_on date, placed_at timestamptz, note text,
     PRIMARY KEY (customer_id, id))`,
  `CREATE TABLE order_lines (customer_id int8 NOT NULL, order_id int8 NOT NULL, line int4 NOT NULL,
     product_id int4, qty int4, unit_price numeric(12,2), weight float8, gift boolean,
     PRIMARY KEY (customer_id, order_id, line))`,
];

/** A value as generated: strings are SQL text, `Raw` is inserted verbatim (numbers, arrays, casts). */
type Value = string | number | boolean | null | Raw;
class Raw {
  constructor(readonly sql: string) {}
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Alice', 'alice', 'ALICE', 'Émile', 'émile', 'Zoë', 'Straße', 'STRASSE', '中文', '中文名字'];
const MORE_NAMES = ['日本', 'Ünal', 'Øystein', 'bob', 'Bob', '🙂 smile', '🚀rocket', 'Ångström', 'zeta', ''];
const REGION_CODES = ['north', 'South', 'EAST', 'wést', '中部', 'süd', '🌍'];
const STATUSES = ['new', 'paid', 'shipped', 'Cancelled', 'retour', 'délivré'];
const TAGS = ['vip', 'VIP', 'früh', '中', '🎁', 'b2b'];

/** Shop rows, by table, as column lists and value tuples. */
export interface ShopData {
  readonly regions: Value[][];
  readonly products: Value[][];
  /** Per customer id (as text): its customer row, orders and lines. */
  readonly byCustomer: { id: string; customer: Value[]; orders: Value[][]; lines: Value[][] }[];
}

export const columns = {
  regions: ['code', 'name', 'vat', 'active'],
  products: ['id', 'sku', 'name', 'price', 'weight', 'tags', 'launched'],
  customers: [
    'id',
    'name',
    'email',
    'region',
    'tier',
    'balance',
    'score',
    'active',
    'born',
    'created_at',
  ].concat(['tags', 'lucky']),
  orders: ['customer_id', 'id', 'status', 'total', 'discount', 'paid', 'ordered_on', 'placed_at', 'note'],
  order_lines: ['customer_id', 'order_id', 'line', 'product_id', 'qty', 'unit_price', 'weight', 'gift'],
} as const;

/** Generates the shop's rows (the same every run). */
export function generateShop(seed = 20261121): ShopData {
  const r = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const maybe = <T>(p: number, v: () => T): T | null => (r() < p ? null : v());
  const money = (maxCents: number) => new Raw(cents(int(-maxCents / 20, maxCents)));
  const float = () => (r() < 0.3 ? pick([0, 0.5, 1.25, -3.75, 100]) : Math.round(r() * 1e9) / 1e5 - 2000);
  const date = (from: number, span: number) => dateText(from + int(0, span));
  const stamp = () => {
    const d = dateText(int(18000, 20500));
    const off = pick(['+00', '+05:30', '-08', '+01']);
    return `${d} ${pad(int(0, 23))}:${pad(int(0, 59))}:${pad(int(0, 59))}.${int(0, 999)}${off}`;
  };
  const textArray = () =>
    arrayOf(
      'text',
      Array.from({ length: int(0, 3) }, () => maybe(0.1, () => pick(TAGS))),
    );
  const intArray = () =>
    arrayOf(
      'int4',
      Array.from({ length: int(0, 4) }, () => String(int(-5, 40))),
    );

  const regions: Value[][] = REGION_CODES.map((code, i) => [
    code,
    `${pick(NAMES)} ${code}`,
    i % 3 === 0 ? null : new Raw(cents(int(0, 2500))),
    i % 4 === 0 ? null : i % 2 === 0,
  ]);
  const products: Value[][] = Array.from({ length: 60 }, (_, i) => [
    i + 1,
    `SKU-${pad(i % 45)}${i >= 45 ? 'b' : ''}`,
    maybe(0.1, () => `${pick([...NAMES, ...MORE_NAMES])} ${pick(TAGS)}`),
    maybe(0.1, () => money(50_000)),
    maybe(0.1, float),
    maybe(0.1, textArray),
    maybe(0.15, () => date(15000, 5000)),
  ]);

  const ids: string[] = Array.from({ length: 380 }, (_, i) => String(i + 1));
  for (let i = 0; i < 20; i++) ids.push(String(9007199254740993n + BigInt(i * 1_000_003)));
  const byCustomer = ids.map((id, idx) => {
    const customer: Value[] = [
      new Raw(id),
      maybe(0.08, () => pick(r() < 0.5 ? NAMES : MORE_NAMES)),
      maybe(0.2, () => `${pick(['a', 'B', 'é', '中'])}${idx % 37}@example.${pick(['com', 'de', 'ORG'])}`),
      maybe(0.1, () => (r() < 0.9 ? pick(REGION_CODES) : 'xx')),
      maybe(0.1, () => int(1, 5)),
      maybe(0.1, () => money(1_000_000)),
      maybe(0.1, float),
      maybe(0.1, () => r() < 0.6),
      maybe(0.15, () => date(-10000, 15000)),
      maybe(0.05, stamp),
      maybe(0.2, textArray),
      maybe(0.2, intArray),
    ];
    const orders: Value[][] = [];
    const lines: Value[][] = [];
    const orderCount = idx % 11 === 0 ? 0 : int(1, 8);
    for (let o = 1; o <= orderCount; o++) {
      const orderId = idx * 100 + o;
      orders.push([
        new Raw(id),
        orderId,
        maybe(0.07, () => pick(STATUSES)),
        maybe(0.05, () => money(200_000)),
        maybe(0.2, () => pick([0, 0.1, 0.25, 0.3333333333333333, 0.05])),
        maybe(0.1, () => r() < 0.7),
        maybe(0.05, () => date(18500, 1500)),
        maybe(0.05, stamp),
        maybe(0.5, () => `${pick(MORE_NAMES)} ${pick(['Größe', 'größe', 'ß', 'SS', '中文', '✓'])}`),
      ]);
      const lineCount = int(0, 5);
      for (let l = 1; l <= lineCount; l++) {
        lines.push([
          new Raw(id),
          orderId,
          l,
          maybe(0.05, () => int(1, 65)),
          maybe(0.05, () => int(1, 12)),
          maybe(0.05, () => money(20_000)),
          maybe(0.1, float),
          maybe(0.1, () => r() < 0.15),
        ]);
      }
    }
    return { id, customer, orders, lines };
  });
  return { regions, products, byCustomer };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function cents(c: number): string {
  const abs = Math.abs(c);
  return `${c < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

function dateText(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

function arrayOf(type: string, items: (string | null)[]): Raw {
  const sql = items.map((v) => (v === null ? 'NULL' : type === 'text' ? quote(v) : v));
  return new Raw(`ARRAY[${sql.join(', ')}]::${type}[]`);
}

function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function literal(v: Value): string {
  if (v === null) return 'NULL';
  if (v instanceof Raw) return v.sql;
  if (typeof v === 'string') return quote(v);
  return String(v);
}

/** One INSERT of `rows` into `table` naming its columns (undefined when there are no rows). */
export function insertSql(table: keyof typeof columns, rows: readonly Value[][]): string | undefined {
  if (rows.length === 0) return undefined;
  const values = rows.map((row) => `(${row.map(literal).join(', ')})`).join(',\n');
  return `INSERT INTO ${table} (${columns[table].join(', ')}) VALUES ${values}`;
}
