// The names Switchyard gives what it owns on a PostgreSQL shard for change capture. A publication
// belongs to one database (one shard); replication slots are global to the server, and several
// shards (or clusters) may share a server, so a slot's name carries a hash of its database too.
import { createHash } from 'node:crypto';

/** Schema of the event trigger function that sets REPLICA IDENTITY FULL on new tables. */
export const captureSchema = 'switchyard_cdc';

/** The publication (FOR ALL TABLES) every consumer's slot on the shard reads. */
export const publicationName = 'switchyard_cdc';

/** The event trigger that sets REPLICA IDENTITY FULL on every table created later. */
export const eventTriggerName = 'switchyard_cdc_replica_identity';

/**
 * The replication slot of `consumer` on `shard` whose database is `database`: readable
 * (`switchyard_<consumer>_<shard>`, cut to fit) and unique per database, shard and consumer.
 *
 * @example slotName('app_s0', 's0', 'views') // 'switchyard_views_s0_1f0c2a9b'
 */
export function slotName(database: string, shard: string, consumer: string): string {
  const hash = createHash('sha256').update(`${database}\0${shard}\0${consumer}`).digest('hex').slice(0, 8);
  // 63 characters at most (NAMEDATALEN - 1); only lowercase letters, digits and _ are allowed.
  const readable = `switchyard_${consumer}_${shard}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${readable.slice(0, 63 - 9)}_${hash}`;
}
