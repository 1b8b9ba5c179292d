// Consumer names: each consumer of changes has its own replication slot per PostgreSQL shard and its
// own acknowledged position per PGlite shard, so its name goes into identifiers.
import { CdcError, CdcErrorCode } from './cdc-error.js';

const pattern = /^[a-z][a-z0-9_]{0,29}$/;

/**
 * Checks a consumer name: 1 to 30 lowercase letters, digits and `_`, starting with a letter.
 *
 * @throws CdcError 22023 otherwise.
 */
export function checkConsumerName(name: unknown): string {
  if (typeof name !== 'string' || !pattern.test(name)) {
    throw new CdcError(
      CdcErrorCode.invalidParameter,
      `invalid change consumer name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 40) : name)}: use 1 to 30 lowercase letters, digits and "_", starting with a letter (e.g. views)`,
    );
  }
  return name;
}
