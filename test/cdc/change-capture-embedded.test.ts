import { describe } from 'vitest';
import { changeCaptureSuite } from './change-capture.suite.js';

describe('change capture on embedded shards', () => {
  changeCaptureSuite(() => ({ kind: 'embedded', shards: 3 }));
});
