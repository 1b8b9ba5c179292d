import { describe, expect, it } from 'vitest';
import { colocatedTable, referenceTable, shardedTable } from '../catalog/table-rules.js';
import { testCatalog } from '../catalog/test-catalogs.js';
import { catalogKeyOf, colocationGroup, placementOf } from './table-placement.js';

const a = shardedTable('id', { keyTypes: ['int8'] });
const catalog = testCatalog(2, {
  'public.a': a,
  b: colocatedTable('a_id', 'public.a', a),
  c: colocatedTable('a_id', 'b', a),
  lone: shardedTable('id', { keyTypes: ['int8'] }),
  'app.ref': referenceTable(),
  Mixed: referenceTable(),
});

describe('catalogKeyOf', () => {
  it.each([
    [{ schema: undefined, name: 'a' }, 'public.a'],
    [{ schema: 'public', name: 'a' }, 'public.a'],
    [{ schema: 'public', name: 'b' }, 'b'],
    [{ schema: 'app', name: 'ref' }, 'app.ref'],
    [{ schema: undefined, name: 'ref' }, undefined],
    [{ schema: 'app', name: 'a' }, undefined],
    [{ schema: undefined, name: 'Mixed' }, 'Mixed'],
    [{ schema: undefined, name: 'mixed' }, undefined],
  ])('%o → %s', (name, key) => {
    expect(catalogKeyOf(catalog, name)).toBe(key);
  });
});

describe('colocationGroup', () => {
  it('follows colocateWith chains to the table that names no partner', () => {
    expect(['public.a', 'b', 'c'].map((t) => colocationGroup(catalog, t))).toEqual([
      'public.a',
      'public.a',
      'public.a',
    ]);
    expect(colocationGroup(catalog, 'lone')).toBe('lone');
  });
});

describe('placementOf', () => {
  it('places sharded, reference, catalog and unnamed tables', () => {
    expect(placementOf(catalog, { schema: undefined, name: 'c' })).toMatchObject({
      kind: 'sharded',
      key: 'c',
      group: 'public.a',
    });
    expect(placementOf(catalog, { schema: 'app', name: 'ref' })).toEqual({
      kind: 'reference',
      key: 'app.ref',
    });
    expect(placementOf(catalog, { schema: 'pg_catalog', name: 'pg_class' })).toEqual({ kind: 'system' });
    expect(placementOf(catalog, { schema: undefined, name: 'notes' })).toEqual({ kind: 'unsharded' });
  });
});
