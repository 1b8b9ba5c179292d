// EXPLAIN through Switchyard: the route first (which shards, the SQL each runs, the merge steps),
// then each shard's own plan, indented under it. EXPLAIN ANALYZE runs the statement on the shards and
// adds the time Switchyard waited for each.
import { describeMerge } from '../../router/merge/describe-merge.js';
import type { ScatterPlan } from '../../router/merge/merge-plan.js';
import type { StatementPlan } from '../../router/route-plan.js';
import { SqlState } from '../../util/errors.js';
import { encodeCommandComplete, encodeDataRow, encodeRowDescription } from '../codec/index.js';
import { errorMessageOf, runInternal } from './internal-query.js';
import type { SessionContext } from './session-context.js';
import { SessionError } from './session-error.js';
import type { SessionOutput } from './session-output.js';
import type { ShardLinks } from './shard-links.js';
import type { Target } from './statement-runner.js';

const TEXT_OID = 25;

/** Answers an EXPLAIN whose statement goes to `target`, as rows of one text column "QUERY PLAN". */
export async function explain(
  ctx: SessionContext,
  links: ShardLinks,
  plan: StatementPlan,
  target: Target,
  out: SessionOutput,
): Promise<void> {
  const analyze = plan.explain?.analyze ?? false;
  const lines: string[] = [];
  if (target.kind === 'shard') {
    lines.push(`Switchyard: one shard (${target.shard})`);
    lines.push(...(await shardPlan(links, target.shard, plan.sql, analyze)));
  } else if (target.kind === 'multi') {
    throw new SessionError(
      SqlState.featureNotSupported,
      'EXPLAIN of a write across shards is not supported yet',
    );
  } else {
    if (plan.paramCount > 0) {
      throw new SessionError(
        SqlState.featureNotSupported,
        'EXPLAIN of a cross-shard read with parameters is not supported yet',
      );
    }
    const shards = scatterShards(ctx, target.scatter);
    lines.push(`Switchyard: scatter-gather over ${shards.length} shard(s): ${shards.join(', ')}`);
    for (const step of describeMerge(target.scatter.merge)) lines.push(`  merge: ${step}`);
    lines.push(`  shard SQL: ${target.scatter.sql.replace(/\s+/g, ' ')}`);
    const explainSql = `EXPLAIN ${analyze ? '(ANALYZE) ' : ''}${target.scatter.sql}`;
    for (const shard of shards) lines.push(...(await shardPlan(links, shard, explainSql, analyze)));
  }
  out.push(
    encodeRowDescription([
      {
        name: 'QUERY PLAN',
        tableOid: 0,
        columnNumber: 0,
        typeOid: TEXT_OID,
        typeSize: -1,
        typeModifier: -1,
        format: 0,
      },
    ]),
  );
  for (const line of lines) out.push(encodeDataRow([line]));
  out.push(encodeCommandComplete('EXPLAIN'));
}

function scatterShards(ctx: SessionContext, scatter: ScatterPlan): string[] {
  if (scatter.route.type === 'all') {
    return ctx
      .catalog()
      .shards.filter((s) => s.status !== 'inactive')
      .map((s) => s.name);
  }
  return [...ctx.planner.shardsFor(scatter.route, [])];
}

/** The shard's own EXPLAIN output, indented, with Switchyard's wait for it under ANALYZE. */
async function shardPlan(
  links: ShardLinks,
  shard: string,
  explainSql: string,
  analyze: boolean,
): Promise<string[]> {
  const pipe = await links.pipeFor(shard, false);
  const started = performance.now();
  const result = await runInternal(pipe, explainSql);
  const elapsed = performance.now() - started;
  if (result.error) {
    const e = errorMessageOf(result.error);
    throw new SessionError(e.code, `shard ${shard}: ${e.message}`, e.hint ? { hint: e.hint } : {});
  }
  const header = analyze ? `  shard ${shard} (answered in ${elapsed.toFixed(3)} ms):` : `  shard ${shard}:`;
  return [header, ...result.rows.map((r) => `    ${r[0] ?? ''}`)];
}
