import { describe, expect, it } from 'vitest';
import { functionEffect, isCatalogRelation } from './catalog-relations.js';

describe('isCatalogRelation', () => {
  it.each([
    [{ schema: 'pg_catalog', name: 'pg_class' }, true],
    [{ schema: 'information_schema', name: 'tables' }, true],
    [{ schema: undefined, name: 'pg_namespace' }, true],
    [{ schema: undefined, name: 'tables' }, false],
    [{ schema: 'public', name: 'pg_like_name' }, false],
    [{ schema: 'app', name: 'users' }, false],
  ])('%o → %s', (table, expected) => {
    expect(isCatalogRelation(table)).toBe(expected);
  });
});

describe('functionEffect', () => {
  it.each([
    [['version'], 'none'],
    [['pg_catalog', 'current_setting'], 'none'],
    [['pg_catalog', 'pg_get_userbyid'], 'none'],
    [['pg_table_is_visible'], 'none'],
    [['has_table_privilege'], 'none'],
    [['nextval'], 'side-effect'],
    [['pg_catalog', 'setval'], 'side-effect'],
    [['pg_advisory_xact_lock'], 'side-effect'],
    [['pg_try_advisory_lock'], 'side-effect'],
    [['set_config'], 'side-effect'],
    [['my_function'], 'unknown'],
    [['app', 'version'], 'unknown'],
  ])('%o → %s', (name, expected) => {
    expect(functionEffect(name)).toBe(expected);
  });
});
