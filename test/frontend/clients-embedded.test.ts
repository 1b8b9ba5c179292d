// The client suite over 4 embedded PGlite shards.
import { describe } from 'vitest';
import { clientSuite } from './clients.suite.js';

describe('clients through Switchyard, embedded shards', () => {
  clientSuite(() => ({ kind: 'embedded', shards: 4 }));
});
