// Creating a table Switchyard keeps in a PostgreSQL database (the catalog, the coordinator log):
// routers starting together would race CREATE TABLE IF NOT EXISTS into a unique violation, so the
// statement runs under a transaction-scoped advisory lock named after the table.
import type pg from 'pg';

/** Runs `createSql` (a CREATE TABLE IF NOT EXISTS) for `table` once, whoever starts first. */
export async function createTableOnce(pool: pg.Pool, table: string, createSql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`switchyard:${table}`]);
    await client.query(createSql);
    await client.query('commit');
    client.release();
  } catch (error) {
    client.release(error as Error); // the connection may be broken: do not reuse it
    throw error;
  }
}
