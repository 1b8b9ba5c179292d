// The Postgres front end of a running cluster: a WireServer on `listen.postgres` whose sessions plan
// each statement against the cluster's catalog and reach its shards through raw protocol connections.
import { readFileSync } from 'node:fs';
import type { ShardBackend } from '../backend/shard-backend.js';
import type { ShardConnector } from '../backend/shard-connection.js';
import type { ShardedTableRule } from '../catalog/catalog.js';
import { withTable } from '../catalog/catalog-changes.js';
import { updateCatalog } from '../catalog/update-catalog.js';
import type { KeyType } from '../keyspace/key-type.js';
import { Planner } from '../router/planner.js';
import {
  keyTypeFromFormatType,
  rangeCheckConstraintSql,
  rangeCheckSetupSql,
} from '../router/range-check-sql.js';
import { resolveRoute } from '../router/route-resolver.js';
import { loadSqlParser } from '../sql/parse-sql.js';
import type { Coordinator } from '../txn/index.js';
import { ConfigError, SwitchyardError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { WireServer } from '../wire/server/index.js';
import { Session } from '../wire/session/session.js';
import type { SessionContext, SessionPlanner, SessionTransactions } from '../wire/session/session-context.js';
import type { Cluster } from './cluster.js';

/** A running front end. */
export interface FrontEnd {
  readonly host: string;
  readonly port: number;
  /** `postgres://…` a client can connect to (user and database are the client's choice). */
  readonly url: string;
  close(): Promise<void>;
}

/** Where the front end listens, when not `config.listen.postgres`. */
export interface FrontEndOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Read the shards of a cross-shard read one after the other (benchmarks only). */
  readonly sequentialScatter?: boolean;
}

/**
 * Starts serving the PostgreSQL protocol for `cluster`.
 *
 * @example
 *   const frontEnd = await startFrontEnd(cluster);
 *   // psql postgres://127.0.0.1:6432/app
 */
export async function startFrontEnd(cluster: Cluster, options: FrontEndOptions = {}): Promise<FrontEnd> {
  await loadSqlParser();
  const logger = loggerFor('wire');
  const config = cluster.config;
  const [configHost, configPort] = splitHostPort(config.listen.postgres);
  const catalog = () => cluster.catalog.current();
  const planner = new Planner(catalog);
  const context: SessionContext = {
    planner: sessionPlanner(planner, cluster),
    connector: (shard) => connectorOf(cluster.backend(shard)),
    catalog,
    learnKeyTypes: (table, keyTypes) => learnKeyTypes(cluster, table, keyTypes),
    logger,
    sequentialScatter: options.sequentialScatter === true,
    idleInTransactionTimeoutMs: config.transactions.idleInTransactionTimeoutMs,
    tagGlobalTransactions: config.cdc !== undefined,
    ...(cluster.coordinator ? { transactions: sessionTransactions(cluster, cluster.coordinator) } : {}),
  };
  let sessions = 0;
  const server = new WireServer({
    sessionFactory: (connection) => {
      if (
        connection.startup.parameters.replication &&
        connection.startup.parameters.replication !== 'false'
      ) {
        throw new SwitchyardError('0A000', 'replication connections are not supported by Switchyard');
      }
      if (sessions >= config.maxConnections) {
        throw new SwitchyardError(
          '53300',
          `sorry, too many clients already: Switchyard serves at most ${config.maxConnections} connections (maxConnections in switchyard.yaml)`,
        );
      }
      sessions++;
      const session = new Session(context, connection);
      return {
        onMessages: (messages) => session.onMessages(messages),
        onCancel: () => session.onCancel(),
        onClose: () => {
          sessions--;
          session.onClose();
        },
      };
    },
    auth: config.auth,
    host: options.host ?? configHost,
    port: options.port ?? configPort,
    ...(config.tls ? { tls: { cert: readPem(config.tls.cert), key: readPem(config.tls.key) } } : {}),
    serverParameters: await shardServerParameters(cluster),
    logger,
  });
  const address = await server.listen();
  return {
    host: address.host,
    port: address.port,
    url: `postgres://postgres@${address.host}:${address.port}/postgres`,
    close: () => server.close(),
  };
}

function sessionPlanner(planner: Planner, cluster: Cluster): SessionPlanner {
  return {
    plan: (sql) => planner.plan(sql),
    shardsFor: (route, params) => {
      const resolved = resolveRoute(
        route,
        cluster.catalog.current(),
        params,
        params.map((p) => p.typeOid),
      );
      return resolved.type === 'any' ? [] : resolved.shards;
    },
    rangeCheckSql: (table, shard, keyTypes) => {
      const catalog = cluster.catalog.current();
      const rule = catalog.tables[table] as ShardedTableRule;
      const ranges = catalog.shards.find((s) => s.name === shard)?.ranges ?? [];
      const setup = rangeCheckSetupSql(rule);
      const check = rangeCheckConstraintSql(table, rule, keyTypes, ranges);
      return setup ? `${setup}; ${check}` : check;
    },
    keyTypeOf: (formatType) => keyTypeFromFormatType(formatType),
  };
}

function connectorOf(backend: ShardBackend): ShardConnector {
  const connector = backend as ShardBackend & Partial<ShardConnector>;
  if (typeof connector.connect !== 'function') {
    throw new SwitchyardError('XX000', `shard ${backend.shard} cannot open protocol connections`);
  }
  return connector as ShardConnector;
}

/** Records the key types of a table created through Switchyard, unless the catalog knows them. */
async function learnKeyTypes(cluster: Cluster, table: string, keyTypes: readonly KeyType[]): Promise<void> {
  const rule = cluster.catalog.current().tables[table];
  if (rule?.kind !== 'sharded' || rule.keyTypes) return;
  await updateCatalog(cluster.store, (current) => {
    const now = current.tables[table];
    if (now?.kind !== 'sharded' || now.keyTypes) return current;
    return withTable(current, table, { ...now, keyTypes: [...keyTypes] });
  });
  await cluster.catalog.refresh();
}

/** The server's own ParameterStatus values (server_version, …), as the home shard reports them. */
async function shardServerParameters(cluster: Cluster): Promise<Record<string, string>> {
  const home = cluster.catalog.current().homeShard;
  const connection = await connectorOf(cluster.backend(home)).connect({ applicationName: 'switchyard' });
  try {
    const wanted = [
      'server_version',
      'server_encoding',
      'DateStyle',
      'IntervalStyle',
      'TimeZone',
      'integer_datetimes',
      'standard_conforming_strings',
    ];
    const parameters: Record<string, string> = {};
    for (const name of wanted) {
      const value = connection.serverParameters[name];
      if (value !== undefined) parameters[name] = value;
    }
    return parameters;
  } finally {
    connection.release();
  }
}

function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the TLS file ${file}`, [], { cause: error });
  }
}

/** The coordinator as sessions use it; a shard without max_prepared_transactions is refused by name. */
function sessionTransactions(cluster: Cluster, coordinator: Coordinator): SessionTransactions {
  return {
    newGid: () => coordinator.newGid(),
    noteOnePhase: () => coordinator.noteOnePhase(),
    commit: async (gid, participants) => {
      const refused = participants.find((p) => cluster.twoPhaseRefusals.has(p.shard));
      if (refused) {
        await Promise.allSettled(participants.map((p) => p.abort()));
        const reason = cluster.twoPhaseRefusals.get(refused.shard);
        throw new SwitchyardError(
          '55000',
          `the transaction was rolled back: ${reason?.message ?? `shard ${refused.shard} cannot take part in two-phase commit`}`,
        );
      }
      return coordinator.commit(gid, participants);
    },
  };
}
