// The configuration shown in the README must stay valid: it is parsed, and turned into a catalog,
// exactly as `switchyard up` would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/cluster/config.js';
import { initialCatalog } from '../../src/cluster/initial-catalog.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it('shows a switchyard.yaml that validates and makes a catalog', () => {
    const block = /### Configuration: `switchyard.yaml`\s+```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const embedded = parseConfig(parse(block!), '/srv');
    const catalog = initialCatalog(embedded);
    expect(catalog.shards.map((s) => s.name)).toEqual(['s0', 's1', 's2', 's3']);
    expect(catalog.tables.orders).toMatchObject({
      kind: 'sharded',
      colocateWith: 'users',
      keyTypes: ['int8'],
    });
    expect(catalog.tables.events).toMatchObject({ hasher: 'murmur3', shardKey: ['tenant_id', 'device_id'] });
  });

  it('starts with the two commands of a fresh machine', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
