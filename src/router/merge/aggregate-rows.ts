// Re-aggregation: the shards grouped their own rows, so one group's partial results may come from
// every shard. The merge folds them per group (memory: one entry per group), finishes each
// aggregate, filters by HAVING and computes the projected row (outputs, then hidden sort keys).
import { SwitchyardError } from '../../util/errors.js';
import { rowKey } from './distinct-rows.js';
import type { AggregateStage, MergeExpr, TextRow, TextValue } from './merge-plan.js';
import type { AggregateAccumulator, CompiledMergeExpr, MergeRuntime } from './merge-ports.js';

/** The aggregate stage compiled for one execution: types known, expressions compiled. */
export interface CompiledAggregation {
  /** Types of the projected row's columns. */
  readonly projectedTypes: readonly number[];
  /** Folds every shard row, then returns the projected rows of the groups HAVING keeps, unsorted. */
  run(source: AsyncIterable<TextRow>): Promise<TextRow[]>;
}

interface Group {
  /** Group key values, then carried values (from the group's first row). */
  readonly keys: TextRow;
  readonly accumulators: AggregateAccumulator[];
  /** Per DISTINCT aggregate, the values already fed (a value may come from several shards). */
  readonly seen: (Set<string> | undefined)[];
}

/** The name an expression over the group row uses for its column `index`. */
export function groupColumnName(index: number): string {
  return `__g${index}`;
}

/**
 * Compiles `stage` for shard rows of `shardTypes`.
 *
 * @throws SwitchyardError 0A000 when an expression over aggregates cannot be evaluated by the merge.
 */
export function compileAggregation(
  stage: AggregateStage,
  shardTypes: readonly number[],
  paramTypes: readonly number[],
  params: readonly TextValue[],
  runtime: MergeRuntime,
): CompiledAggregation {
  const { values } = runtime;
  const combiners = stage.aggregates.map((a) => {
    const types = a.partials.map((i) => shardTypes[i] ?? 0);
    return a.distinct
      ? values.aggregateValues(a.name, types[0] ?? 0)
      : values.combinePartials(a.name, types, a.star);
  });
  const groupTypes = [
    ...stage.groupKeys.map((i) => shardTypes[i] ?? 0),
    ...combiners.map((c) => c.resultType),
  ];
  const columns = groupTypes.map((typeOid, i) => ({ name: groupColumnName(i), typeOid }));
  const compile = (expr: MergeExpr): CompiledMergeExpr => {
    if (expr.kind === 'column') {
      const index = expr.index;
      return { typeOid: groupTypes[index] ?? 0, evaluate: (row) => row[index] ?? null };
    }
    try {
      return runtime.expressions.compile(expr.node, columns, paramTypes);
    } catch (error) {
      throw new SwitchyardError(
        '0A000',
        `the merge of this cross-shard read cannot evaluate ${expr.text}: compute it in the application, or query one shard`,
        { cause: error },
      );
    }
  };
  const projection = stage.projection.map(compile);
  const having = stage.having && compile(stage.having);
  const keyColumns = stage.groupKeys.map((_, i) => i);

  const run = async (source: AsyncIterable<TextRow>): Promise<TextRow[]> => {
    const groups = new Map<string, Group>();
    const newGroup = (keys: TextRow): Group => ({
      keys,
      accumulators: combiners.map((c) => c.create()),
      seen: stage.aggregates.map((a) => (a.distinct ? new Set<string>() : undefined)),
    });
    for await (const row of source) {
      const keys = stage.groupKeys.map((i) => row[i] ?? null);
      const id = rowKey(keys, keyColumns, groupTypes, values);
      let group = groups.get(id);
      if (!group) {
        group = newGroup([...keys, ...stage.carried.map((i) => row[i] ?? null)]);
        groups.set(id, group);
      }
      stage.aggregates.forEach((aggregate, a) => {
        const accumulator = group.accumulators[a] as AggregateAccumulator;
        const seen = group.seen[a];
        if (!seen) {
          accumulator.add(aggregate.partials.map((i) => row[i] ?? null));
          return;
        }
        const value = row[aggregate.partials[0] ?? 0] ?? null;
        // Aggregates skip NULL inputs; DISTINCT feeds each value once, whichever shards had it.
        if (value === null) return;
        const key = values.groupKey(shardTypes[aggregate.partials[0] ?? 0] ?? 0, value);
        if (seen.has(key)) return;
        seen.add(key);
        accumulator.add([value]);
      });
    }
    // Aggregates without GROUP BY answer one row even over no rows (count 0, sum NULL).
    if (stage.implicitGroup && groups.size === 0) groups.set('', newGroup(stage.carried.map(() => null)));
    const out: TextRow[] = [];
    for (const group of groups.values()) {
      const groupRow = [...group.keys, ...group.accumulators.map((a) => a.result())];
      if (having) {
        const kept = having.evaluate(groupRow, params);
        if (kept !== 't' && kept !== 'true') continue;
      }
      out.push(projection.map((p) => p.evaluate(groupRow, params)));
    }
    return out;
  };
  return { projectedTypes: projection.map((p) => p.typeOid), run };
}
