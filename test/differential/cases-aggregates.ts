// Differential cases: count(*)/count(x)/sum/min/max/avg on int, numeric, float, text, date and
// timestamptz columns, bool_and/bool_or, count(DISTINCT x), FILTER, and expressions over aggregates.
import type { Case } from './suite.js';

/** Every aggregate the merge combines, over one column of `table`. */
function aggregatesOf(table: string, column: string, numeric: boolean): Case[] {
  const base: Case[] = [
    { sql: `SELECT count(${column}) FROM ${table}` },
    { sql: `SELECT min(${column}), max(${column}) FROM ${table}` },
    { sql: `SELECT count(DISTINCT ${column}) FROM ${table}` },
    { sql: `SELECT min(${column}) FROM ${table} WHERE ${column} IS NULL` },
  ];
  if (!numeric) return base;
  return [
    ...base,
    { sql: `SELECT sum(${column}) FROM ${table}` },
    { sql: `SELECT avg(${column}) FROM ${table}` },
    { sql: `SELECT sum(${column}), avg(${column}), count(*) FROM ${table} WHERE ${column} > 0` },
  ];
}

export const aggregateCases: readonly Case[] = [
  { sql: 'SELECT count(*) FROM customers' },
  { sql: 'SELECT count(*) FROM orders' },
  { sql: 'SELECT count(*) FROM order_lines' },
  { sql: 'SELECT count(*), count(name), count(email), count(tier), count(born) FROM customers' },
  { sql: 'SELECT count(*) FROM customers WHERE false' },
  { sql: 'SELECT sum(tier), avg(tier), min(tier), max(tier) FROM customers WHERE id < 0' },
  ...aggregatesOf('customers', 'id', true),
  ...aggregatesOf('customers', 'tier', true),
  ...aggregatesOf('customers', 'balance', true),
  ...aggregatesOf('customers', 'score', true),
  ...aggregatesOf('customers', 'name', false),
  ...aggregatesOf('customers', 'born', false),
  ...aggregatesOf('customers', 'created_at', false),
  ...aggregatesOf('orders', 'total', true),
  ...aggregatesOf('orders', 'discount', true),
  ...aggregatesOf('orders', 'status', false),
  ...aggregatesOf('order_lines', 'qty', true),
  ...aggregatesOf('order_lines', 'unit_price', true),
  ...aggregatesOf('order_lines', 'weight', true),
  { sql: 'SELECT min(note), max(note) FROM orders' },
  { sql: 'SELECT min(placed_at), max(ordered_on) FROM orders' },
  { sql: 'SELECT min(tags), max(lucky) FROM customers' },
  { sql: 'SELECT sum(customer_id) FROM orders' },
  { sql: 'SELECT sum(qty::int8), avg(qty::int8) FROM order_lines' },
  { sql: 'SELECT sum(qty::numeric), avg(qty::float8) FROM order_lines' },
  { sql: 'SELECT bool_and(active), bool_or(active) FROM customers' },
  { sql: 'SELECT bool_and(paid), bool_or(paid) FROM orders WHERE status = $1', params: ['shipped'] },
  { sql: 'SELECT bool_and(gift), bool_or(gift), every(gift IS NOT NULL) FROM order_lines' },
  { sql: 'SELECT bool_and(active) FROM customers WHERE active' },
  { sql: 'SELECT count(DISTINCT region) FROM customers WHERE active' },
  { sql: 'SELECT count(DISTINCT lower(name)) FROM customers' },
  { sql: 'SELECT count(DISTINCT customer_id) FROM orders' },
  { sql: 'SELECT count(DISTINCT product_id), count(*) FROM order_lines WHERE gift' },
  { sql: 'SELECT count(DISTINCT region), count(DISTINCT tier), count(*) FROM customers' },
  {
    sql: 'SELECT count(DISTINCT status), sum(DISTINCT discount), avg(DISTINCT total), sum(total) FROM orders',
  },
  { sql: 'SELECT count(DISTINCT region) FILTER (WHERE active), count(DISTINCT region) FROM customers' },
  {
    sql: 'SELECT sum(DISTINCT tier) FILTER (WHERE tier > 2), count(DISTINCT name) FILTER (WHERE active) FROM customers',
  },
  {
    sql: 'SELECT count(DISTINCT product_id) FILTER (WHERE gift), count(DISTINCT qty), max(unit_price) FROM order_lines',
  },
  { sql: 'SELECT max(born) - min(born) FROM customers' },
  { sql: 'SELECT min(born) + 30, max(born) - 7, 1 + max(born) FROM customers' },
  { sql: 'SELECT max(created_at) - min(created_at) FROM customers' },
  { sql: "SELECT max(placed_at) - interval '2 hours', min(placed_at) + interval '90 minutes' FROM orders" },
  {
    sql: "SELECT max(ordered_on) + interval '1 mon 2 days', min(ordered_on) - interval '1 year' FROM orders",
  },
  { sql: 'SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active) FROM customers' },
  { sql: "SELECT sum(total) FILTER (WHERE status = 'paid'), avg(total) FILTER (WHERE paid) FROM orders" },
  { sql: 'SELECT max(score) FILTER (WHERE tier = 1), min(born) FILTER (WHERE tier = 5) FROM customers' },
  // expressions over aggregates
  { sql: 'SELECT sum(balance) / count(*) FROM customers' },
  { sql: 'SELECT sum(tier) / count(*) FROM customers' },
  { sql: 'SELECT round(avg(balance), 2), round(avg(tier), 2) FROM customers' },
  { sql: 'SELECT round(avg(total), 2) FROM orders WHERE paid' },
  { sql: 'SELECT count(*) + 1, count(*) * 2 - count(name) FROM customers' },
  { sql: 'SELECT max(balance) - min(balance) AS spread FROM customers' },
  { sql: 'SELECT sum(qty * unit_price) AS revenue, sum(qty) AS items FROM order_lines' },
  { sql: 'SELECT sum(qty * unit_price) / nullif(sum(qty), 0) AS avg_price FROM order_lines' },
  { sql: 'SELECT coalesce(sum(total), 0) FROM orders WHERE total > 1e9' },
  { sql: 'SELECT max(length(name)), min(char_length(email)) FROM customers' },
  { sql: 'SELECT max(born), min(born) FROM customers WHERE tier = 4' },
  { sql: 'SELECT avg(score) * 2, sum(score) / nullif(count(score), 0) FROM customers' },
  { sql: 'SELECT count(*) AS n, sum(tier) AS s, avg(tier)::numeric(10,3) AS a FROM customers' },
  { sql: 'SELECT count(*) FROM orders WHERE customer_id > $1', params: [200] },
  {
    sql: 'SELECT sum(total), count(*) FROM orders WHERE placed_at >= $1::timestamptz',
    params: ['2023-01-01T00:00:00Z'],
  },
];
