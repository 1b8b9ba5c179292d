// `switchyard.yaml`: the shape users and tests rely on, validated with zod. Every problem is
// reported with the path of the field and what was expected there.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type ZodError, z } from 'zod';
import { HASHER_NAMES, KEY_TYPES } from '../keyspace/key-type.js';
import { streamConfigSchema } from '../stream/config.js';
import { ConfigError } from '../util/errors.js';

const hostPort = z
  .string()
  .refine(
    (s) => /^[^\s:]+:\d{1,5}$/.test(s) && Number(s.split(':').pop()) <= 65535,
    'expected host:port with a port up to 65535, e.g. 127.0.0.1:6432',
  );

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'expected a connection string starting with postgres:// or postgresql://');

const shardName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a shard name of lowercase letters, digits and _ (e.g. s0)');

const shardEntry = z.strictObject({
  name: shardName,
  primary: postgresUrl,
  replicas: z.array(postgresUrl).default([]),
});

const keyValue = z.union([z.number(), z.string()]);

const tableEntry = z
  .strictObject({
    shardKey: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
        error: 'expected a column name or a list of column names',
      })
      .optional(),
    keyType: z
      .union([z.enum(KEY_TYPES), z.array(z.enum(KEY_TYPES)).min(1)], {
        error: `expected one of ${KEY_TYPES.join(', ')} (or a list of them, one per key column)`,
      })
      .optional(),
    hasher: z.enum(HASHER_NAMES).optional(),
    colocateWith: z.string().min(1).optional(),
    reference: z.literal(true).optional(),
    resolver: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('hash') }),
        z.strictObject({
          type: z.literal('range'),
          bounds: z.array(z.strictObject({ upTo: keyValue.optional(), shard: shardName })).min(1),
        }),
        z.strictObject({
          type: z.literal('lookup'),
          table: z.string().min(1),
          cacheSize: z.number().int().positive().default(10_000),
        }),
      ])
      .optional(),
  })
  .superRefine((t, ctx) => {
    if (t.reference && (t.shardKey || t.colocateWith || t.resolver || t.hasher)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a reference table is copied to every shard: remove shardKey/colocateWith/resolver/hasher',
      });
    } else if (!t.reference && !t.shardKey) {
      ctx.addIssue({ code: 'custom', message: 'expected shardKey (a column name) or reference: true' });
    }
  });

/** The zod schema of `switchyard.yaml`. */
export const configSchema = z.strictObject({
  listen: z
    .strictObject({
      postgres: hostPort.default('127.0.0.1:6432'),
      http: hostPort.default('127.0.0.1:8080'),
    })
    .default({ postgres: '127.0.0.1:6432', http: '127.0.0.1:8080' }),
  dataDir: z.string().min(1).default('./switchyard-data'),
  shards: z.union(
    [
      z.number().int().min(1, 'expected at least 1 shard').max(256, 'expected at most 256 embedded shards'),
      z.array(shardEntry).min(1, 'expected at least one shard'),
    ],
    { error: 'expected a number of embedded shards (e.g. 4) or a list of { name, primary, replicas }' },
  ),
  layout: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('equal') }),
      z.strictObject({ type: z.literal('ring'), vnodes: z.number().int().min(1).max(4096).default(256) }),
    ])
    .default({ type: 'equal' }),
  catalog: z
    .strictObject({ url: postgresUrl.optional(), pollIntervalMs: z.number().int().positive().default(5000) })
    .default({ pollIntervalMs: 5000 }),
  pool: z
    .strictObject({
      size: z.number().int().min(1).max(1000).default(10),
      connectTimeoutMs: z.number().int().positive().default(5000),
      statementTimeoutMs: z.number().int().nonnegative().default(0),
      idleTimeoutMs: z.number().int().positive().default(30_000),
    })
    .default({ size: 10, connectTimeoutMs: 5000, statementTimeoutMs: 0, idleTimeoutMs: 30_000 }),
  auth: z
    .discriminatedUnion('method', [
      z.strictObject({ method: z.literal('trust'), allowOnNetwork: z.boolean().default(false) }),
      z.strictObject({
        method: z.literal('scram-sha-256'),
        users: z
          .record(z.string().min(1), z.string().min(1, 'expected a password or a SCRAM-SHA-256 verifier'))
          .refine((u) => Object.keys(u).length > 0, 'expected at least one user'),
      }),
    ])
    .default({ method: 'trust', allowOnNetwork: false }),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  /** Partitioning of the change stream across workers, per workload (src/stream). */
  stream: streamConfigSchema.prefault({}),
  /** Transactions across shards (two-phase commit, src/txn). */
  transactions: z
    .strictObject({
      /** Two-phase commit for writes across shards; off, a transaction writes to one shard only. */
      enabled: z.boolean().default(true),
      /** This router's id in transaction ids: stable across restarts, unique among routers sharing a catalog. */
      routerId: z
        .string()
        .regex(/^[A-Za-z0-9.:-]{1,64}$/, 'expected 1 to 64 letters, digits, ".", ":" or "-"')
        .optional(),
      /** A prepared transaction older than this with no decision is rolled back by recovery. */
      timeoutMs: z.number().int().positive().default(60_000),
      /** How often recovery looks for prepared transactions a crash left behind. */
      recoveryIntervalMs: z.number().int().positive().default(30_000),
      /** A session idle inside a transaction this long is closed (its shards roll back); 0: never. */
      idleInTransactionTimeoutMs: z.number().int().nonnegative().default(0),
    })
    .default({ enabled: true, timeoutMs: 60_000, recoveryIntervalMs: 30_000, idleInTransactionTimeoutMs: 0 }),
  /** Most client connections served at once; one more is refused with 53300 (as PostgreSQL does). */
  maxConnections: z.number().int().min(1).max(100_000).default(200),
  homeShard: shardName.optional(),
  tables: z
    .record(z.string().regex(/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/, 'expected a table name'), tableEntry)
    .default({}),
  /** Change capture (src/cdc): the consumers whose positions the shards keep, polling, lag warnings. */
  cdc: z
    .strictObject({
      consumers: z
        .array(
          z
            .string()
            .regex(
              /^[a-z][a-z0-9_]{0,29}$/,
              'expected a consumer name of 1 to 30 lowercase letters, digits and _, starting with a letter',
            ),
        )
        .min(1, 'expected at least one consumer'),
      pollIntervalMs: z.number().int().positive().default(100),
      statusIntervalMs: z.number().int().positive().default(1000),
      lag: z
        .strictObject({
          warnBytes: z
            .number()
            .int()
            .positive()
            .default(1024 ** 3),
          warnSeconds: z.number().positive().default(300),
          checkIntervalMs: z.number().int().nonnegative().default(60_000),
        })
        .default({ warnBytes: 1024 ** 3, warnSeconds: 300, checkIntervalMs: 60_000 }),
    })
    .optional(),
});

/** A validated configuration, with defaults filled in and `dataDir` absolute. */
export type ClusterConfig = z.infer<typeof configSchema>;
export type TableConfig = z.infer<typeof tableEntry>;

/** One line per zod issue: `path: message`. Unions report the branch that got furthest. */
export function describeIssues(error: ZodError): string[] {
  const lines: string[] = [];
  const visit = (issues: ZodError['issues'], prefix: PropertyKey[]) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        const deepest = issue.errors.reduce((best, branch) =>
          Math.max(...branch.map((i) => i.path.length)) > Math.max(...best.map((i) => i.path.length))
            ? branch
            : best,
        );
        // A branch that failed inside the value says more than the union's own message; a value of
        // the wrong kind altogether is better described by the union's message.
        if (deepest.some((i) => i.path.length > 0)) {
          visit(deepest, path);
          continue;
        }
      }
      const where = path.length ? path.map(String).join('.') : '(top level)';
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          lines.push(
            `${path.length ? `${where}.` : ''}${key}: unknown field (check its spelling and indentation)`,
          );
        }
        continue;
      }
      const message = issue.message.replace(/^Invalid input: /, '');
      lines.push(`${where}: ${message}`);
    }
  };
  visit(error.issues, []);
  return lines;
}

/**
 * Validates a parsed configuration object. `baseDir` resolves a relative `dataDir`
 * (the directory of the config file, or the working directory).
 */
export function parseConfig(
  input: unknown,
  baseDir = process.cwd(),
  source = 'configuration',
): ClusterConfig {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`${source} is not valid`, describeIssues(result.error));
  const config = result.data;
  const problems = crossCheck(config);
  if (problems.length) throw new ConfigError(`${source} is not valid`, problems);
  return {
    ...config,
    dataDir: isAbsolute(config.dataDir) ? config.dataDir : resolve(baseDir, config.dataDir),
  };
}

/** Reads and validates a YAML configuration file. */
export function loadConfigFile(file: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new ConfigError(`cannot read the configuration file ${file}: ${reason}`, [], { cause: error });
  }
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? '?'}` : '';
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`${file} is not valid YAML${where}: ${detail}`, [], { cause: error });
  }
  return parseConfig(input, dirname(resolve(file)), file);
}

/** The names of the configured shards: `s0…s(N-1)` for embedded shards. */
export function shardNames(config: ClusterConfig): string[] {
  return typeof config.shards === 'number'
    ? Array.from({ length: config.shards }, (_, i) => `s${i}`)
    : config.shards.map((s) => s.name);
}

/** Problems that need more than one field to see. */
function crossCheck(config: ClusterConfig): string[] {
  const problems: string[] = [];
  const names = shardNames(config);
  if (Array.isArray(config.shards)) {
    const seen = new Set<string>();
    config.shards.forEach((s, i) => {
      if (seen.has(s.name)) problems.push(`shards.${i}.name: shard name "${s.name}" is used twice`);
      seen.add(s.name);
    });
  }
  if (config.homeShard && !names.includes(config.homeShard)) {
    problems.push(`homeShard: unknown shard "${config.homeShard}"; expected one of ${names.join(', ')}`);
  }
  // --- change capture (src/cdc) ---
  config.cdc?.consumers.forEach((name, i) => {
    if (config.cdc!.consumers.indexOf(name) !== i)
      problems.push(`cdc.consumers.${i}: consumer "${name}" is named twice`);
  });
  // --- end of change capture ---
  for (const [table, rule] of Object.entries(config.tables)) {
    if (rule.colocateWith) {
      const target = config.tables[rule.colocateWith];
      if (!target) problems.push(`tables.${table}.colocateWith: unknown table "${rule.colocateWith}"`);
      else if (target.reference) {
        problems.push(
          `tables.${table}.colocateWith: "${rule.colocateWith}" is a reference table; co-locate with a sharded table`,
        );
      }
    }
    const keys = rule.shardKey === undefined ? [] : [rule.shardKey].flat();
    const types = rule.keyType === undefined ? undefined : [rule.keyType].flat();
    if (types && types.length !== keys.length) {
      problems.push(`tables.${table}.keyType: expected ${keys.length} type(s), one per shard key column`);
    }
    if (rule.resolver?.type === 'range') {
      rule.resolver.bounds.forEach((b, i) => {
        if (!names.includes(b.shard)) {
          problems.push(`tables.${table}.resolver.bounds.${i}.shard: unknown shard "${b.shard}"`);
        }
      });
    }
  }
  return problems;
}
