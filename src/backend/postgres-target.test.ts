import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePostgresTarget } from './postgres-target.js';

describe('parsePostgresTarget', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('reads host, port, user, password, database, sslmode and options', () => {
    expect(
      parsePostgresTarget(
        'postgres://app:p%40ss@db1.internal:6432/sales?sslmode=require&options=-c%20search_path%3Dapp',
      ),
    ).toEqual({
      host: 'db1.internal',
      port: 6432,
      user: 'app',
      password: 'p@ss',
      database: 'sales',
      sslMode: 'require',
      sslRootCert: undefined,
      options: '-c search_path=app',
    });
  });

  it('fills what is missing from PG* variables and libpq defaults; sslmode defaults to disable', () => {
    vi.stubEnv('PGUSER', 'envuser');
    vi.stubEnv('PGPASSWORD', 'envpw');
    vi.stubEnv('PGSSLMODE', '');
    const target = parsePostgresTarget('postgresql://localhost');
    expect(target).toMatchObject({
      host: 'localhost',
      port: 5432,
      user: 'envuser',
      password: 'envpw',
      database: 'envuser',
    });
    expect(target.sslMode).toBe('disable');
  });

  it('takes a Unix socket directory from ?host= and an IPv6 address without brackets', () => {
    expect(parsePostgresTarget('postgres://u@/db?host=/var/run/postgresql&port=5433')).toMatchObject({
      host: '/var/run/postgresql',
      port: 5433,
    });
    expect(parsePostgresTarget('postgres://u@[::1]:5432/db').host).toBe('::1');
  });

  it('refuses what it cannot use, without echoing the password', () => {
    expect(() => parsePostgresTarget('host=db user=app password=hunter2')).toThrow(/not a postgres:\/\/ URL/);
    expect(() => parsePostgresTarget('postgres://u:hunter2@db/x?sslmode=sometimes')).toThrow(
      /sslmode=sometimes is not one of disable, allow, prefer, require, verify-ca, verify-full/,
    );
    try {
      parsePostgresTarget('postgres://u:hunter2@db:notaport/x');
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });
});
