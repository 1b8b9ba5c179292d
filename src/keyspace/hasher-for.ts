// Picks the Hasher a table rule names. Hashers are stateless apart from scratch buffers, so one
// instance of each serves everybody.
import { SwitchyardError } from '../util/errors.js';
import type { Hasher } from './hasher.js';
import type { HasherName } from './key-type.js';
import { Murmur2Hasher } from './murmur2-hasher.js';
import { Murmur3Hasher } from './murmur3-hasher.js';
import { PostgresHasher } from './postgres-hasher.js';

const HASHERS: Readonly<Record<HasherName, Hasher>> = {
  postgres: new PostgresHasher(),
  murmur3: new Murmur3Hasher(),
  murmur2: new Murmur2Hasher(),
};

/** The Hasher called `name` in a table rule ('postgres' | 'murmur3' | 'murmur2'). */
export function hasherFor(name: HasherName): Hasher {
  const hasher = HASHERS[name];
  if (!hasher) {
    throw new SwitchyardError('22023', `unknown hasher "${String(name)}"; use postgres, murmur3 or murmur2`);
  }
  return hasher;
}
