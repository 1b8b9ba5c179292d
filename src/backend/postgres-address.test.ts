import { describe, expect, it } from 'vitest';
import { describePostgresAddress } from './postgres-address.js';

describe('describePostgresAddress', () => {
  it('shows host, port and database but never the password', () => {
    const text = describePostgresAddress('postgres://app:s3cret%21@db1.internal:6432/orders?sslmode=require');
    expect(text).toBe('db1.internal:6432/orders');
  });

  it('fills in the default port and shows a socket directory given as ?host=', () => {
    expect(describePostgresAddress('postgresql://app@db2/app')).toBe('db2:5432/app');
    expect(describePostgresAddress('postgres://app:pw@/app?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/app',
    );
  });

  it('shows nothing of a string it cannot parse', () => {
    expect(describePostgresAddress('host=db user=app password=secret')).toBe('(address not shown)');
  });
});

describe('describePostgresAddress with odd strings', () => {
  it('drops everything up to the last @, so an unescaped @ in a password shows nothing of it', () => {
    expect(describePostgresAddress('postgres://app:p@ss/w@rd@db3:5433/x')).toBe('db3:5433/x');
  });

  it('keeps IPv6 hosts and several hosts', () => {
    expect(describePostgresAddress('postgres://[::1]:6000/app')).toBe('[::1]:6000/app');
    expect(describePostgresAddress('postgres://[::1]/app')).toBe('[::1]:5432/app');
    expect(describePostgresAddress('postgres://h1:5432,h2/app')).toBe('h1:5432,h2:5432/app');
  });
});
