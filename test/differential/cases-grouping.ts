// Differential cases: GROUP BY columns, expressions and ordinals, HAVING, count(DISTINCT x) per
// group, and grouped results ordered and limited.
import type { Case } from './suite.js';

export const groupingCases: readonly Case[] = [
  // HAVING with a parameter: the shards do not run the HAVING, the merge evaluates $1 (untyped: typed
  // by its context, as PostgreSQL types it).
  { sql: 'SELECT tier, sum(balance) FROM customers GROUP BY tier HAVING sum(balance) > $1', params: [10000] },
  {
    sql: 'SELECT tier, sum(balance) FROM customers GROUP BY tier HAVING sum(balance) > $1::numeric',
    params: [10000],
  },
  { sql: 'SELECT region, count(*) FROM customers GROUP BY region HAVING count(*) > $1', params: [70] },
  { sql: 'SELECT tier, count(*) FROM customers GROUP BY tier' },
  { sql: 'SELECT tier, count(*) FROM customers GROUP BY tier ORDER BY tier NULLS FIRST', ordered: true },
  { sql: 'SELECT region, count(*), sum(balance), avg(balance) FROM customers GROUP BY region' },
  {
    sql: 'SELECT region, min(name), max(name) FROM customers GROUP BY region ORDER BY region',
    ordered: true,
  },
  { sql: 'SELECT active, count(*), avg(score) FROM customers GROUP BY active' },
  { sql: 'SELECT name, count(*) FROM customers GROUP BY name ORDER BY name NULLS FIRST', ordered: true },
  {
    sql: 'SELECT name, count(*) FROM customers GROUP BY name ORDER BY count(*) DESC, name LIMIT 5',
    ordered: true,
  },
  { sql: 'SELECT region, tier, count(*) FROM customers GROUP BY region, tier' },
  { sql: 'SELECT region, tier, count(*) FROM customers GROUP BY 1, 2 ORDER BY 1, 2', ordered: true },
  { sql: 'SELECT born, count(*) FROM customers GROUP BY born HAVING count(*) > 1' },
  {
    sql: 'SELECT extract(year FROM born) AS y, count(*) FROM customers GROUP BY 1 ORDER BY 1',
    ordered: true,
  },
  { sql: "SELECT date_trunc('year', created_at) AS y, count(*) FROM customers GROUP BY 1" },
  { sql: 'SELECT lower(name), count(*) FROM customers GROUP BY lower(name)' },
  { sql: 'SELECT tier % 2 AS parity, sum(tier) FROM customers GROUP BY tier % 2' },
  { sql: 'SELECT balance > 0 AS positive, count(*), sum(balance) FROM customers GROUP BY 1' },
  { sql: 'SELECT score IS NULL, count(*) FROM customers GROUP BY score IS NULL' },
  { sql: 'SELECT tags, count(*) FROM customers GROUP BY tags' },
  {
    sql: 'SELECT cardinality(lucky) AS n, count(*) FROM customers GROUP BY 1 ORDER BY 1 NULLS LAST',
    ordered: true,
  },
  {
    sql: 'SELECT status, count(*), sum(total), avg(total), min(placed_at), max(placed_at) FROM orders GROUP BY status',
  },
  {
    sql: 'SELECT status, paid, count(*) FROM orders GROUP BY status, paid ORDER BY status, paid',
    ordered: true,
  },
  { sql: 'SELECT status, bool_and(paid), bool_or(paid) FROM orders GROUP BY status' },
  { sql: 'SELECT status, count(DISTINCT customer_id) FROM orders GROUP BY status' },
  { sql: 'SELECT status, count(DISTINCT discount), count(discount) FROM orders GROUP BY status' },
  { sql: 'SELECT customer_id, count(DISTINCT status) FROM orders GROUP BY customer_id' },
  {
    sql: 'SELECT tier, max(born) - min(born) AS span FROM customers GROUP BY tier ORDER BY span DESC NULLS LAST, tier',
    ordered: true,
  },
  { sql: 'SELECT status, max(placed_at) - min(placed_at) FROM orders GROUP BY status' },
  {
    sql: 'SELECT status, count(DISTINCT customer_id), count(DISTINCT paid), sum(DISTINCT total) FROM orders GROUP BY status',
  },
  {
    sql: 'SELECT tier, count(DISTINCT region) FILTER (WHERE active), count(DISTINCT born) FROM customers GROUP BY tier ORDER BY tier NULLS FIRST',
  },
  {
    sql: 'SELECT region, count(DISTINCT tier) + count(DISTINCT active) AS kinds FROM customers GROUP BY region HAVING count(DISTINCT tier) > 1 ORDER BY kinds DESC, region LIMIT 4',
  },
  { sql: 'SELECT customer_id, count(*), sum(total) FROM orders GROUP BY customer_id HAVING count(*) >= 7' },
  {
    sql: 'SELECT customer_id, sum(total) FROM orders GROUP BY customer_id ORDER BY sum(total) DESC NULLS LAST, customer_id LIMIT 10',
    ordered: true,
  },
  {
    sql: 'SELECT customer_id, max(placed_at) FROM orders GROUP BY 1 ORDER BY 2 NULLS FIRST, 1 LIMIT 15',
    ordered: true,
  },
  {
    sql: 'SELECT ordered_on, count(*) FROM orders GROUP BY ordered_on ORDER BY count(*) DESC, ordered_on LIMIT 5',
    ordered: true,
  },
  { sql: 'SELECT discount, count(*), sum(total) FROM orders GROUP BY discount' },
  { sql: 'SELECT discount, avg(total) FROM orders GROUP BY discount HAVING avg(total) > 0' },
  { sql: 'SELECT note, count(*) FROM orders GROUP BY note HAVING count(*) > 3 ORDER BY note', ordered: true },
  { sql: 'SELECT product_id, sum(qty), count(*) FROM order_lines GROUP BY product_id' },
  {
    sql: 'SELECT product_id, sum(qty * unit_price) FROM order_lines GROUP BY 1 ORDER BY 2 DESC NULLS LAST, 1 LIMIT 10',
    ordered: true,
  },
  { sql: 'SELECT gift, count(*), sum(weight), avg(weight) FROM order_lines GROUP BY gift' },
  {
    sql: 'SELECT line, count(*), min(unit_price), max(unit_price) FROM order_lines GROUP BY line ORDER BY line',
    ordered: true,
  },
  {
    sql: 'SELECT qty, count(DISTINCT product_id) FROM order_lines GROUP BY qty ORDER BY qty NULLS FIRST',
    ordered: true,
  },
  { sql: 'SELECT order_id % 7 AS bucket, count(*) FROM order_lines GROUP BY 1 HAVING sum(qty) > 100' },
  // HAVING
  { sql: 'SELECT tier, count(*) FROM customers GROUP BY tier HAVING count(*) > 70' },
  {
    sql: 'SELECT tier, avg(balance) FROM customers GROUP BY tier HAVING avg(balance) > 0 ORDER BY tier',
    ordered: true,
  },
  { sql: 'SELECT region FROM customers GROUP BY region HAVING max(score) > 1000' },
  { sql: 'SELECT region, count(*) FROM customers GROUP BY region HAVING bool_or(active)' },
  { sql: 'SELECT region, count(*) FROM customers GROUP BY region HAVING count(DISTINCT tier) = 5' },
  { sql: "SELECT status FROM orders GROUP BY status HAVING min(ordered_on) < '2021-01-01'" },
  { sql: 'SELECT tier, sum(balance) FROM customers GROUP BY tier HAVING sum(balance) > 10000' },
  { sql: 'SELECT tier, sum(balance) FROM customers WHERE tier > $1 GROUP BY tier', params: [2] },
  { sql: 'SELECT count(*) FROM customers HAVING count(*) > 0' },
  { sql: 'SELECT count(*) FROM customers HAVING count(*) > 1000000' },
  // expressions over grouped aggregates
  { sql: 'SELECT tier, sum(balance) / count(*) AS mean FROM customers GROUP BY tier' },
  {
    sql: 'SELECT tier, round(avg(score)::numeric, 2), count(*) + 1 FROM customers GROUP BY tier ORDER BY tier',
    ordered: true,
  },
  {
    sql: 'SELECT region, round(avg(balance), 2) AS a FROM customers GROUP BY region ORDER BY a DESC NULLS LAST, region',
    ordered: true,
  },
  { sql: 'SELECT status, sum(total) / nullif(count(total), 0) FROM orders GROUP BY status' },
  {
    sql: 'SELECT status, max(total) - min(total) FROM orders GROUP BY status ORDER BY 2 DESC NULLS LAST, 1 NULLS FIRST',
    ordered: true,
  },
  { sql: 'SELECT status, count(*) * 100 / (SELECT 1) FROM orders WHERE customer_id = 4 GROUP BY status' },
  {
    sql: 'SELECT tier, count(*) FILTER (WHERE active) AS a, count(*) FILTER (WHERE active IS NULL) AS n FROM customers GROUP BY tier',
  },
  {
    sql: 'SELECT region, count(DISTINCT tier) FROM customers GROUP BY region ORDER BY region LIMIT 3',
    ordered: true,
  },
  { sql: 'SELECT DISTINCT count(*) FROM orders GROUP BY customer_id' },
  {
    sql: 'SELECT DISTINCT tier, active FROM customers WHERE tier IS NOT NULL ORDER BY tier, active',
    ordered: true,
  },
];
