// Creates the sample multi-tenant schema and data on a cluster's shards on first start, and leaves
// it alone afterwards. Each shard generates the whole data set and keeps the rows it owns, in one
// transaction per shard, under CHECK constraints that refuse rows of other shards.
import type { ShardedTableRule } from '../catalog/catalog.js';
import { postgresPointSql } from '../keyspace/postgres-point-sql.js';
import { rangePredicateSql } from '../keyspace/range-predicate-sql.js';
import { SwitchyardError } from '../util/errors.js';
import type { Cluster } from './cluster.js';
import { sampleSchemaSql } from './sample-data.js';

/** Whether the sample was created now or was already there. */
export type SampleOutcome = 'created' | 'present';

/**
 * Installs the sample schema and data on every shard unless all shards have it already.
 *
 * @throws SwitchyardError when only some shards have it (a start that was interrupted before the
 *   sample existed everywhere): the message says how to start over.
 */
export async function installSampleData(cluster: Cluster): Promise<SampleOutcome> {
  const catalog = cluster.catalog.current();
  const rule = catalog.tables.tenants;
  if (rule?.kind !== 'sharded') {
    throw new SwitchyardError(
      '55000',
      'the catalog has no sharded "tenants" table; start with --sample on a new data folder',
    );
  }
  const shards = catalog.shards.filter((s) => s.status !== 'inactive');
  const present = await Promise.all(
    shards.map(async (s) => {
      const { rows } = await cluster.backend(s.name).query("select to_regclass('public.tasks') is not null");
      return rows[0]?.[0] === 't';
    }),
  );
  if (present.every(Boolean)) return 'present';
  if (present.some(Boolean)) {
    const missing = shards.filter((_, i) => !present[i]).map((s) => s.name);
    throw new SwitchyardError(
      '55000',
      `the sample data exists on some shards but not on ${missing.join(', ')}; ` +
        `stop Switchyard, remove the data folder ${cluster.config.dataDir} and start again`,
    );
  }
  const keyType = (rule as ShardedTableRule).keyTypes?.[0] ?? 'int8';
  await Promise.all(
    shards.map((shard) => {
      const owns = (expression: string) =>
        rangePredicateSql(postgresPointSql([{ expression, type: keyType }]), shard.ranges);
      // One simple-protocol string runs as one implicit transaction: a shard gets all of it or none.
      return cluster.backend(shard.name).exec(sampleSchemaSql(owns, owns));
    }),
  );
  return 'created';
}
