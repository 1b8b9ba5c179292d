// Differential cases: joins of co-located tables on the shard key, joins with reference tables,
// reads of reference tables, and subqueries and CTEs pinned to one shard key.
import type { Case } from './suite.js';

export const joinCases: readonly Case[] = [
  // co-located joins across shards
  { sql: 'SELECT c.id, o.id FROM customers c JOIN orders o ON o.customer_id = c.id' },
  { sql: 'SELECT c.name, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name' },
  {
    sql: 'SELECT c.id, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id',
  },
  {
    sql: 'SELECT c.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL ORDER BY c.id',
    ordered: true,
  },
  {
    sql: 'SELECT c.tier, sum(o.total) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.tier ORDER BY c.tier NULLS FIRST',
    ordered: true,
  },
  {
    sql: 'SELECT o.id, l.line, l.qty FROM orders o JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.id',
  },
  {
    sql: 'SELECT o.status, sum(l.qty * l.unit_price) FROM orders o JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.id GROUP BY o.status',
  },
  {
    sql: 'SELECT o.id, count(l.line) FROM orders o LEFT JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.id GROUP BY o.id ORDER BY count(l.line) DESC, o.id LIMIT 20',
    ordered: true,
  },
  {
    sql: 'SELECT c.region, count(DISTINCT l.product_id) FROM customers c JOIN order_lines l ON l.customer_id = c.id GROUP BY c.region',
  },
  {
    sql: 'SELECT c.id, c.name, o.total FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.total DESC NULLS LAST, o.id LIMIT 10',
    ordered: true,
  },
  {
    sql: 'SELECT c.active, avg(o.discount) FROM customers c JOIN orders o ON c.id = o.customer_id GROUP BY c.active',
  },
  {
    sql: 'SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_lines l ON l.customer_id = c.id AND l.order_id = o.id',
  },
  {
    sql: 'SELECT c.id, sum(l.qty) FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.id WHERE o.paid GROUP BY c.id HAVING sum(l.qty) > 30',
  },
  {
    sql: 'SELECT c.id, o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id IN (3, 4, 5) ORDER BY o.id',
    ordered: true,
  },
  // with reference tables
  { sql: 'SELECT * FROM regions ORDER BY code', ordered: true },
  { sql: 'SELECT * FROM products ORDER BY id', ordered: true },
  { sql: 'SELECT count(*), sum(price), avg(weight) FROM products' },
  { sql: "SELECT sku, name FROM products WHERE name LIKE '%中%' ORDER BY sku, id", ordered: true },
  { sql: "SELECT string_agg(code, ',' ORDER BY code) FROM regions" },
  { sql: 'SELECT c.id, r.name FROM customers c JOIN regions r ON r.code = c.region' },
  {
    sql: 'SELECT r.code, count(c.id) FROM regions r LEFT JOIN customers c ON c.region = r.code GROUP BY r.code',
  },
  {
    sql: 'SELECT r.name, sum(c.balance) FROM customers c JOIN regions r ON r.code = c.region WHERE r.active GROUP BY r.name ORDER BY r.name',
    ordered: true,
  },
  {
    sql: 'SELECT c.id, r.vat FROM customers c LEFT JOIN regions r ON r.code = c.region WHERE r.code IS NULL',
  },
  {
    sql: 'SELECT p.sku, sum(l.qty) FROM order_lines l JOIN products p ON p.id = l.product_id GROUP BY p.sku',
  },
  {
    sql: 'SELECT p.name, count(*) FROM order_lines l JOIN products p ON p.id = l.product_id GROUP BY p.name ORDER BY count(*) DESC, p.name NULLS FIRST LIMIT 10',
    ordered: true,
  },
  {
    sql: 'SELECT l.order_id, l.line, p.price FROM order_lines l JOIN products p ON p.id = l.product_id WHERE p.price > 400',
  },
  {
    sql: 'SELECT l.order_id, l.line FROM order_lines l LEFT JOIN products p ON p.id = l.product_id WHERE p.id IS NULL',
  },
  {
    sql: 'SELECT p.launched, sum(l.qty * p.price) FROM order_lines l JOIN products p ON p.id = l.product_id GROUP BY p.launched',
  },
  {
    sql: 'SELECT o.status, r.code, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.code = c.region GROUP BY 1, 2',
  },
  { sql: 'SELECT c.id FROM customers c WHERE c.region IN (SELECT code FROM regions WHERE active)' },
  {
    sql: "SELECT l.order_id, l.line FROM order_lines l WHERE l.product_id IN (SELECT id FROM products WHERE 'vip' = ANY(tags))",
  },
  // subqueries and CTEs pinned to one shard key
  {
    sql: 'SELECT * FROM (SELECT id, total FROM orders WHERE customer_id = 14) t ORDER BY total NULLS FIRST, id',
    ordered: true,
  },
  { sql: 'WITH o AS (SELECT * FROM orders WHERE customer_id = 15) SELECT count(*), sum(total) FROM o' },
  {
    sql: 'WITH l AS (SELECT * FROM order_lines WHERE customer_id = 16) SELECT order_id, sum(qty) FROM l GROUP BY order_id',
  },
  {
    sql: 'SELECT * FROM customers WHERE id = 18 AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = 18 AND o.paid)',
  },
  {
    sql: 'SELECT id, (SELECT count(*) FROM orders o WHERE o.customer_id = 19) AS n FROM customers WHERE id = 19',
  },
  {
    sql: 'SELECT id FROM orders WHERE customer_id = 20 AND total > (SELECT avg(total) FROM orders WHERE customer_id = 20)',
  },
  {
    sql: 'SELECT c.name, o.id, l.line FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_lines l ON l.customer_id = c.id AND l.order_id = o.id WHERE c.id = 22',
  },
  {
    sql: 'SELECT c.id, r.name, o.id FROM customers c JOIN orders o ON o.customer_id = c.id LEFT JOIN regions r ON r.code = c.region WHERE c.id = $1',
    params: [23],
  },
  {
    sql: 'WITH t AS (SELECT status, count(*) AS n FROM orders WHERE customer_id = 24 GROUP BY status) SELECT max(n) FROM t',
  },
  { sql: 'SELECT id, status, sum(total) OVER (ORDER BY id) FROM orders WHERE customer_id = 25' },
  { sql: 'SELECT array_agg(id ORDER BY id), stddev(total) FROM orders WHERE customer_id = 26' },
  {
    sql: 'SELECT id FROM orders WHERE customer_id = 27 UNION SELECT order_id FROM order_lines WHERE customer_id = 27',
  },
  {
    sql: 'SELECT o.id, p.sku FROM orders o JOIN order_lines l ON l.customer_id = o.customer_id AND l.order_id = o.id JOIN products p ON p.id = l.product_id WHERE o.customer_id = 28',
  },
  {
    sql: 'SELECT count(*) FROM orders WHERE customer_id = 29 AND id IN (SELECT order_id FROM order_lines WHERE customer_id = 29 AND gift)',
  },
];
