import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SwitchyardError } from '../util/errors.js';
import type { KeyValue } from './key-type.js';
import { canonicalUuid, uuidBytesInto } from './uuid-key.js';

const CANONICAL = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';

describe('uuid keys', () => {
  it('accepts every form uuid_in accepts', () => {
    for (const form of [
      CANONICAL,
      CANONICAL.toUpperCase(),
      `{${CANONICAL}}`,
      'a0eebc999c0b4ef8bb6d6bb9bd380a11',
      'a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11',
      '{a0eebc999c0b4ef8bb6d6bb9bd380a11}',
    ]) {
      expect(canonicalUuid(form), form).toBe(CANONICAL);
    }
  });

  it('rejects malformed uuids with 22P02, as uuid_in does', () => {
    for (const form of [
      '',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-',
      '-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11',
      '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
      'g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      ' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    ]) {
      expect(() => canonicalUuid(form), form).toThrow(SwitchyardError);
      expect(() => canonicalUuid(form)).toThrow(/expected a uuid/);
    }
    expect(() => uuidBytesInto(42 as KeyValue, new Uint8Array(16))).toThrow(/is an integer number/);
  });

  it('reads the 16 bytes of random uuids', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        const bytes = new Uint8Array(16);
        uuidBytesInto(uuid, bytes);
        expect(Buffer.from(bytes).toString('hex')).toBe(uuid.replaceAll('-', '').toLowerCase());
        expect(canonicalUuid(uuid.toUpperCase())).toBe(uuid.toLowerCase());
      }),
    );
  });
});
