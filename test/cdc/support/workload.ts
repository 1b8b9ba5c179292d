// A seeded random write load through the front end: single-shard INSERT, UPDATE and DELETE of the
// `accounts` table, alone or in transactions (some rolled back), with awkward text and NULLs.
// Returns how many rows the committed statements changed: each must arrive as exactly one event.
import type pg from 'pg';

/** A small seeded generator (mulberry32), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const accountsTableSql = `CREATE TABLE accounts (
  tenant_id bigint NOT NULL, id bigint NOT NULL, name text, balance numeric(12,2), tags text[],
  updated_at timestamptz, PRIMARY KEY (tenant_id, id))`;

const names = ['Ann', "O'Brien", 'a, b', 'line\nbreak', 'quote " here', 'back\\slash', 'ünïcødé ✓', '', null];

/** Runs `steps` statements or transactions; resolves with the number of rows committed changes touched. */
export async function runWorkload(client: pg.Client, seed: number, steps: number): Promise<number> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const tenant = () => 1 + Math.floor(next() * 12);
  const id = () => 1 + Math.floor(next() * 25);
  let changed = 0;
  const statement = async (t: number): Promise<number> => {
    const r = next();
    if (r < 0.35) {
      const result = await client.query(
        'INSERT INTO accounts (tenant_id, id, name, balance, tags, updated_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT DO NOTHING',
        [
          t,
          id(),
          pick(names),
          (next() * 1000).toFixed(2),
          next() < 0.3 ? null : [pick(['a', 'b c', 'd,e']), 'x'],
        ],
      );
      return result.rowCount ?? 0;
    }
    if (r < 0.45) {
      const rows = [id(), id(), id()].map((i) => `(${t}, ${i}, 'bulk ${i}', ${i}.5, '{}', now())`).join(', ');
      const result = await client.query(
        `INSERT INTO accounts (tenant_id, id, name, balance, tags, updated_at) VALUES ${rows} ON CONFLICT DO NOTHING`,
      );
      return result.rowCount ?? 0;
    }
    if (r < 0.7) {
      const result = await client.query(
        'UPDATE accounts SET balance = balance + $3, name = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2',
        [t, id(), (next() * 10).toFixed(2), pick(names)],
      );
      return result.rowCount ?? 0;
    }
    if (r < 0.8) {
      const result = await client.query(
        "UPDATE accounts SET tags = array_append(tags, 'z') WHERE tenant_id = $1",
        [t],
      );
      return result.rowCount ?? 0;
    }
    const result = await client.query('DELETE FROM accounts WHERE tenant_id = $1 AND id = $2', [t, id()]);
    return result.rowCount ?? 0;
  };
  for (let step = 0; step < steps; step++) {
    const t = tenant();
    if (next() < 0.25) {
      await client.query('BEGIN');
      let inTransaction = 0;
      const count = 2 + Math.floor(next() * 3);
      for (let i = 0; i < count; i++) inTransaction += await statement(t);
      if (next() < 0.25) await client.query('ROLLBACK');
      else {
        await client.query('COMMIT');
        changed += inTransaction;
      }
    } else {
      changed += await statement(t);
    }
  }
  return changed;
}
