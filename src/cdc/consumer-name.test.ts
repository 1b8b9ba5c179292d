import { describe, expect, it } from 'vitest';
import { checkConsumerName } from './consumer-name.js';
import { slotName } from './postgres/capture-names.js';

describe('consumer and slot names', () => {
  it('accepts short lowercase names and refuses others', () => {
    expect(checkConsumerName('views_2')).toBe('views_2');
    for (const bad of ['', 'Views', '2views', 'a-b', 'x'.repeat(31), 7]) {
      expect(() => checkConsumerName(bad)).toThrow(/invalid change consumer name/);
    }
  });

  it('gives each database, shard and consumer its own valid slot', () => {
    const a = slotName('app_s0', 's0', 'views');
    expect(a).toMatch(/^switchyard_views_s0_[0-9a-f]{8}$/);
    expect(slotName('app_s0', 's0', 'views')).toBe(a);
    expect(slotName('other_s0', 's0', 'views')).not.toBe(a);
    expect(slotName('app_s0', 's0', 'shapes')).not.toBe(a);
    const long = slotName('db', 'x'.repeat(63), 'y'.repeat(30));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9_]+$/);
  });
});
