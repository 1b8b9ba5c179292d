// Differential cases: ORDER BY on every column type (ASC/DESC, NULLS FIRST/LAST, ties broken by a
// unique key), LIMIT/OFFSET as constants and $n parameters, DISTINCT and DISTINCT ON.
import type { Case } from './suite.js';

/** `SELECT … ORDER BY <key>, id` over customers in every direction, complete, so compared in order. */
function customersBy(column: string): Case[] {
  return [
    { sql: `SELECT id, ${column} FROM customers ORDER BY ${column}, id`, ordered: true },
    { sql: `SELECT id, ${column} FROM customers ORDER BY ${column} DESC, id`, ordered: true },
    { sql: `SELECT id, ${column} FROM customers ORDER BY ${column} NULLS FIRST, id DESC`, ordered: true },
    {
      sql: `SELECT id, ${column} FROM customers ORDER BY ${column} DESC NULLS LAST, id LIMIT 25`,
      ordered: true,
    },
    { sql: `SELECT id, ${column} FROM customers ORDER BY ${column}, id LIMIT 10 OFFSET 30`, ordered: true },
  ];
}

export const orderCases: readonly Case[] = [
  ...customersBy('id'),
  ...customersBy('name'),
  ...customersBy('email'),
  ...customersBy('tier'),
  ...customersBy('balance'),
  ...customersBy('score'),
  ...customersBy('active'),
  ...customersBy('born'),
  ...customersBy('created_at'),
  ...customersBy('tags'),
  ...customersBy('lucky'),
  // orders and lines, multi-column keys
  { sql: 'SELECT customer_id, id, total FROM orders ORDER BY total DESC NULLS LAST, id', ordered: true },
  {
    sql: 'SELECT id, status, placed_at FROM orders ORDER BY status NULLS FIRST, placed_at DESC, id',
    ordered: true,
  },
  { sql: 'SELECT id, discount FROM orders ORDER BY discount, id DESC LIMIT 40', ordered: true },
  { sql: 'SELECT id, paid, ordered_on FROM orders ORDER BY paid DESC, ordered_on, id', ordered: true },
  { sql: 'SELECT id, note FROM orders ORDER BY note NULLS FIRST, id LIMIT 50', ordered: true },
  {
    sql: 'SELECT order_id, line, qty FROM order_lines ORDER BY qty DESC, order_id, line LIMIT 30',
    ordered: true,
  },
  {
    sql: 'SELECT order_id, line, unit_price FROM order_lines ORDER BY unit_price, order_id DESC, line',
    ordered: true,
  },
  {
    sql: 'SELECT order_id, line, weight FROM order_lines ORDER BY weight DESC NULLS FIRST, order_id, line LIMIT 60',
    ordered: true,
  },
  {
    sql: 'SELECT order_id, line, gift FROM order_lines ORDER BY gift NULLS FIRST, order_id, line LIMIT 20 OFFSET 5',
    ordered: true,
  },
  // expressions, positions, aliases
  { sql: 'SELECT id, lower(name) AS n FROM customers ORDER BY n, id', ordered: true },
  { sql: 'SELECT id, tier * 10 + 1 AS t FROM customers ORDER BY 2 DESC, 1', ordered: true },
  { sql: 'SELECT id, name FROM customers ORDER BY length(name) DESC NULLS LAST, id LIMIT 15', ordered: true },
  { sql: 'SELECT id, balance FROM customers ORDER BY abs(balance), id LIMIT 20', ordered: true },
  { sql: 'SELECT id, born FROM customers ORDER BY extract(month FROM born), id', ordered: true },
  { sql: 'SELECT id FROM customers ORDER BY score * -1 NULLS FIRST, id LIMIT 30', ordered: true },
  {
    sql: 'SELECT order_id, line, qty * unit_price AS amount FROM order_lines ORDER BY amount DESC NULLS LAST, order_id, line LIMIT 25',
    ordered: true,
  },
  { sql: 'SELECT id, name FROM customers WHERE tier = 2 ORDER BY name COLLATE "C" DESC, id', ordered: true },
  // LIMIT / OFFSET with parameters and edge values
  { sql: 'SELECT id FROM customers ORDER BY id LIMIT $1', params: [7], ordered: true },
  { sql: 'SELECT id FROM customers ORDER BY id DESC LIMIT $1 OFFSET $2', params: [5, 10], ordered: true },
  {
    sql: 'SELECT id, name FROM customers ORDER BY name, id LIMIT $1 OFFSET $2',
    params: [12, 100],
    ordered: true,
  },
  { sql: 'SELECT id FROM customers ORDER BY id LIMIT 0', ordered: true },
  { sql: 'SELECT id FROM customers ORDER BY id OFFSET 395', ordered: true },
  { sql: 'SELECT id FROM customers ORDER BY id LIMIT 5 OFFSET 1000', ordered: true },
  { sql: 'SELECT id FROM customers ORDER BY id LIMIT ALL', ordered: true },
  { sql: 'SELECT id FROM orders ORDER BY id FETCH FIRST 3 ROWS ONLY', ordered: true },
  {
    sql: 'SELECT customer_id, id FROM orders WHERE status = $1 ORDER BY id LIMIT $2',
    params: ['paid', 8],
    ordered: true,
  },
  {
    sql: 'SELECT order_id, line FROM order_lines ORDER BY order_id DESC, line DESC LIMIT 10 OFFSET $1',
    params: [3],
    ordered: true,
  },
  // DISTINCT and DISTINCT ON
  { sql: 'SELECT DISTINCT tier FROM customers' },
  { sql: 'SELECT DISTINCT tier FROM customers ORDER BY tier NULLS FIRST', ordered: true },
  { sql: 'SELECT DISTINCT name FROM customers ORDER BY name', ordered: true },
  { sql: 'SELECT DISTINCT region, active FROM customers' },
  { sql: 'SELECT DISTINCT status FROM orders ORDER BY status DESC NULLS LAST', ordered: true },
  { sql: 'SELECT DISTINCT discount FROM orders ORDER BY discount', ordered: true },
  { sql: 'SELECT DISTINCT ordered_on FROM orders ORDER BY ordered_on DESC LIMIT 10', ordered: true },
  { sql: 'SELECT DISTINCT tags FROM customers' },
  { sql: 'SELECT DISTINCT lower(name) FROM customers' },
  { sql: 'SELECT DISTINCT qty FROM order_lines WHERE gift ORDER BY qty', ordered: true },
  { sql: 'SELECT DISTINCT ON (tier) tier, id, name FROM customers ORDER BY tier, id', ordered: true },
  {
    sql: 'SELECT DISTINCT ON (region) region, id, balance FROM customers ORDER BY region, balance DESC NULLS LAST, id',
    ordered: true,
  },
  {
    sql: 'SELECT DISTINCT ON (status) status, id, total FROM orders ORDER BY status, total, id',
    ordered: true,
  },
  {
    sql: 'SELECT DISTINCT ON (customer_id) customer_id, id, placed_at FROM orders ORDER BY customer_id, placed_at DESC, id',
    ordered: true,
  },
  {
    sql: 'SELECT DISTINCT ON (product_id) product_id, order_id, line FROM order_lines ORDER BY product_id, order_id, line LIMIT 20',
    ordered: true,
  },
];
