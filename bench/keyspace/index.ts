// Key → shard lookups per second: each resolver and layout, for int8 and text keys, against a plain JS
// Map from key to shard measured in the same run. Target: >= 5M int8 lookups/s (hash + search) on one core.

import { equalShardMap } from '../../src/keyspace/equal-ranges.js';
import { HashRangeResolver } from '../../src/keyspace/hash-range-resolver.js';
import { hasherFor } from '../../src/keyspace/hasher-for.js';
import type { KeyType, KeyValue } from '../../src/keyspace/key-type.js';
import { LookupResolver } from '../../src/keyspace/lookup-resolver.js';
import { RangeResolver } from '../../src/keyspace/range-resolver.js';
import type { ShardMap } from '../../src/keyspace/shard-map.js';
import { vnodeRing } from '../../src/keyspace/vnode-ring.js';
import { opsPerSecond, writeResults } from '../lib.js';

const KEY_COUNT = 1 << 16;
const MASK = KEY_COUNT - 1;
const ITERATIONS = 4_000_000;
const SHARDS = [0, 1, 2, 3];

interface Figure {
  readonly case: string;
  readonly key: string;
  readonly lookupsPerSecond: number;
}

// Deterministic keys: user ids spread over the int8 range that numbers hold exactly, and text ids.
function keys(): { int8: number[]; int8Text: string[]; text: string[] } {
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const int8 = Array.from({ length: KEY_COUNT }, () => (next() % 2 ** 20) * 2 ** 32 + next());
  return {
    int8,
    int8Text: int8.map(String),
    text: Array.from({ length: KEY_COUNT }, (_, i) => `customer-${next().toString(36)}-${i}`),
  };
}

let sink = 0;

/** Lookups per second of `shardOf` over the keys, cycling through them. */
function measure(shardOf: (key: KeyValue) => number, sample: readonly KeyValue[]): number {
  return opsPerSecond((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += shardOf(sample[i & MASK]!);
    sink += acc;
  }, ITERATIONS);
}

function hashCase(map: ShardMap, type: KeyType): (key: KeyValue) => number {
  const resolver = new HashRangeResolver(hasherFor('postgres'), [type], map);
  return (key) => resolver.shardOf(key);
}

async function warmLookup(type: KeyType, sample: readonly KeyValue[]): Promise<(key: KeyValue) => number> {
  const resolver = new LookupResolver({
    keyTypes: [type],
    cacheSize: KEY_COUNT,
    fetch: async ([key]) => String(key).length % SHARDS.length,
  });
  for (const key of sample) await resolver.shardOf(key);
  return (key) => resolver.shardOf(key) as number;
}

/** Runs the benchmark, prints a table and writes bench/results/keyspace.json. */
export async function run(): Promise<void> {
  const { int8, int8Text, text } = keys();
  const equal = equalShardMap(SHARDS);
  const ring = vnodeRing(
    SHARDS.map((id) => ({ id })),
    { vnodes: 256 },
  );
  const int8Map = new Map(int8.map((k, i) => [k, i % SHARDS.length]));
  const textMap = new Map(text.map((k, i) => [k, i % SHARDS.length]));
  const sortedText = [...text].sort();
  const textBounds = [1, 2, 3].map((q) => ({ upTo: sortedText[(q * KEY_COUNT) / 4]!, shard: q - 1 }));
  const int8Bounds = [1, 2, 3].map((q) => ({ upTo: (q * 2 ** 52) / 4, shard: q - 1 }));

  const figures: Figure[] = [];
  const add = (
    name: string,
    key: string,
    shardOf: (key: KeyValue) => number,
    sample: readonly KeyValue[],
  ) => {
    figures.push({ case: name, key, lookupsPerSecond: Math.round(measure(shardOf, sample)) });
  };
  add('JS Map.get (baseline)', 'int8', (k) => int8Map.get(k as number)!, int8);
  add('hash-range, equal ranges (4)', 'int8', hashCase(equal, 'int8'), int8);
  add(`hash-range, ring 256 vnodes (${ring.size} ranges)`, 'int8', hashCase(ring, 'int8'), int8);
  add('hash-range, equal ranges (4)', 'int8 as text', hashCase(equal, 'int8'), int8Text);
  // The bigint API, to show what the BigInt-free hot path saves.
  const postgres = hasherFor('postgres');
  add(
    'bigint API: map.shardOf(hasher.point())',
    'int8',
    (k) => equal.shardOf(postgres.point(['int8'], [k])),
    int8,
  );
  const int8Range = new RangeResolver('int8', [...int8Bounds, { shard: 3 }]);
  add('range (4 ranges)', 'int8', (k) => int8Range.shardOf(k), int8);
  add('lookup, warm cache', 'int8', await warmLookup('int8', int8), int8);
  add('JS Map.get (baseline)', 'text', (k) => textMap.get(k as string)!, text);
  add('hash-range, equal ranges (4)', 'text', hashCase(equal, 'text'), text);
  add(`hash-range, ring 256 vnodes (${ring.size} ranges)`, 'text', hashCase(ring, 'text'), text);
  const textRange = new RangeResolver('text', [...textBounds, { shard: 3 }]);
  add('range (4 ranges)', 'text', (k) => textRange.shardOf(k), text);
  add('lookup, warm cache', 'text', await warmLookup('text', text), text);

  const baseline = new Map(
    figures.filter((f) => f.case.startsWith('JS Map')).map((f) => [f.key, f.lookupsPerSecond]),
  );
  console.log(`${'case'.padEnd(42)}${'key'.padEnd(14)}${'lookups/s'.padStart(14)}${'vs Map'.padStart(9)}`);
  for (const f of figures) {
    const base = baseline.get(f.key === 'int8 as text' ? 'int8' : f.key) ?? f.lookupsPerSecond;
    const ratio = (f.lookupsPerSecond / base).toFixed(2);
    console.log(
      `${f.case.padEnd(42)}${f.key.padEnd(14)}${(f.lookupsPerSecond / 1e6).toFixed(2).padStart(12)} M${ratio.padStart(9)}`,
    );
  }
  const file = writeResults('keyspace', {
    keys: KEY_COUNT,
    iterations: ITERATIONS,
    lookups: figures,
    sink: sink % 10,
  });
  console.log(`wrote ${file}`);
}
