// The ring layout: each shard owns many small ranges ("virtual nodes"), each starting at a token placed
// by Murmur3 and running to the next token. Adding a shard only inserts its tokens, so the keys that
// move all move to the new shard, and only about 1/(N+1) of them.
//
// Purely random tokens balance poorly: with V tokens per shard among N shards a shard's share has a
// relative standard deviation of sqrt((1 - 1/N) / V), 5.4% for N = 4 and V = 256. So each token is the
// best of `candidates` Murmur3 positions: the one that brings the shares closest to the shards'
// weights (least sum over shards of excess^2 / target). Tokens are placed incrementally: a shard's
// tokens depend on the ring it joined, which is why a ring is kept as its ranges (in the catalog),
// never recomputed.
import { SwitchyardError } from '../util/errors.js';
import { HASH_END, HASH_MIN } from './key-range.js';
import { murmur3x64_128 } from './murmur3.js';
import { type ShardId, ShardMap, type ShardRange } from './shard-map.js';

/** A shard joining a ring. */
export interface RingShard {
  readonly id: ShardId;
  /** Relative capacity (default 1): the shard's target share is weight / total weight. */
  readonly weight?: number;
  /** Its number of virtual nodes (default round(options.vnodes * weight)). */
  readonly vnodes?: number;
}

/** How tokens are placed. */
export interface RingOptions {
  /** Virtual nodes of a shard of weight 1 (default 256). */
  readonly vnodes?: number;
  /** Murmur3 candidate positions tried per token (default 16); 1 gives the classic random ring. */
  readonly candidates?: number;
  /** Murmur3 seed of the token positions (default 0). */
  readonly seed?: number;
  /** Weights of the shards already in the map (default 1 each), for `addToRing`. */
  readonly weights?: ReadonlyMap<ShardId, number>;
}

const SPACE = 2 ** 64;

/**
 * The position of candidate `candidate` of token `vnode` of `shard`: h1 of MurmurHash3_x64_128(seed)
 * over the 12 bytes shard, vnode, candidate (each uint32 little-endian), read as a signed int8.
 */
export function tokenPosition(shard: ShardId, vnode: number, candidate: number, seed = 0): bigint {
  tokenView.setUint32(0, shard, true);
  tokenView.setUint32(4, vnode, true);
  tokenView.setUint32(8, candidate, true);
  murmur3x64_128(tokenBytes, 12, seed, tokenDigest);
  return (BigInt(tokenDigest[0]!) << 32n) | BigInt(tokenDigest[1]! >>> 0);
}
const tokenBytes = new Uint8Array(12);
const tokenView = new DataView(tokenBytes.buffer);
const tokenDigest = new Int32Array(4);

/** A ring of the given shards, joined in order to an empty space (the first takes it all, then shares). */
export function vnodeRing(shards: readonly RingShard[], options: RingOptions = {}): ShardMap {
  const [first, ...rest] = shards;
  if (!first) throw new SwitchyardError('22023', 'a ring needs at least one shard');
  if (new Set(shards.map((s) => s.id)).size !== shards.length) {
    throw new SwitchyardError('22023', 'a ring cannot hold the same shard twice');
  }
  const ring = new RingState([{ start: HASH_MIN, end: HASH_END, shard: first.id }], new Map([[first.id, 1]]));
  for (const shard of [first, ...rest]) {
    ring.weights.set(shard.id, shard.weight ?? 1);
    ring.place(shard, options);
  }
  return ShardMap.of(ring.ranges());
}

/** A new map with `shard` joined: its tokens split existing ranges and it takes their upper parts. */
export function addToRing(map: ShardMap, shard: RingShard, options: RingOptions = {}): ShardMap {
  if (map.ranges.some((r) => r.shard === shard.id)) {
    throw new SwitchyardError('22023', `shard ${shard.id} is already in the ring`);
  }
  const ring = new RingState(map.ranges, map.shares());
  for (const id of ring.loads.keys()) ring.weights.set(id, options.weights?.get(id) ?? 1);
  ring.weights.set(shard.id, shard.weight ?? 1);
  ring.place(shard, options);
  return ShardMap.of(ring.ranges());
}

/** A new map without `shard`: each of its ranges goes to the owner of the range before it. */
export function removeFromRing(map: ShardMap, shard: ShardId): ShardMap {
  const ranges = map.ranges;
  const heir = ranges.find((r) => r.shard !== shard)?.shard;
  if (heir === undefined) throw new SwitchyardError('22023', `shard ${shard} is the only shard of the ring`);
  let previous = heir;
  return ShardMap.of(
    ranges.map((r) => {
      if (r.shard !== shard) previous = r.shard;
      return { start: r.start, end: r.end, shard: r.shard === shard ? previous : r.shard };
    }),
  );
}

/** Tokens (range starts), owners and shares while tokens are being placed. */
class RingState {
  readonly starts: bigint[];
  readonly owners: ShardId[];
  readonly weights = new Map<ShardId, number>();

  constructor(
    ranges: readonly ShardRange[],
    readonly loads: Map<ShardId, number>,
  ) {
    this.starts = ranges.map((r) => r.start);
    this.owners = ranges.map((r) => r.shard);
  }

  /** Places the tokens of `shard`, each the best of its candidates. */
  place(shard: RingShard, options: RingOptions): void {
    const weight = shard.weight ?? 1;
    if (!(weight > 0)) throw new SwitchyardError('22023', `shard ${shard.id} needs a positive weight`);
    const vnodes = shard.vnodes ?? Math.max(1, Math.round((options.vnodes ?? 256) * weight));
    const candidates = Math.max(1, options.candidates ?? 16);
    let total = 0;
    for (const w of this.weights.values()) total += w;
    const target = (id: ShardId) => (this.weights.get(id) ?? 0) / total;
    const excess = (id: ShardId) => (this.loads.get(id) ?? 0) - target(id);
    for (let v = 0; v < vnodes; v++) {
      let best: { at: bigint; index: number; take: number } | undefined;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let k = 0; k < candidates; k++) {
        const at = tokenPosition(shard.id, v, k, options.seed);
        const index = this.indexOf(at);
        if (this.starts[index] === at) continue;
        const owner = this.owners[index]!;
        const end = index + 1 < this.starts.length ? this.starts[index + 1]! : HASH_END;
        const take = owner === shard.id ? 0 : Number(end - at) / SPACE;
        // Change of sum(excess^2 / target) when `take` moves from `owner` to the new shard: squared
        // excess relative to target, so that a small shard's excess counts as much as a big one's.
        const eo = excess(owner);
        const en = excess(shard.id);
        const cost =
          take === 0
            ? 0
            : ((eo - take) ** 2 - eo ** 2) / target(owner) + ((en + take) ** 2 - en ** 2) / target(shard.id);
        if (cost < bestCost) {
          bestCost = cost;
          best = { at, index, take };
        }
      }
      if (!best) continue;
      const owner = this.owners[best.index]!;
      this.starts.splice(best.index + 1, 0, best.at);
      this.owners.splice(best.index + 1, 0, shard.id);
      this.loads.set(owner, (this.loads.get(owner) ?? 0) - best.take);
      this.loads.set(shard.id, (this.loads.get(shard.id) ?? 0) + best.take);
    }
  }

  /** The index of the range holding `point`. */
  private indexOf(point: bigint): number {
    let l = 0;
    let r = this.starts.length - 1;
    while (l < r) {
      const m = (l + r + 1) >> 1;
      if (this.starts[m]! <= point) l = m;
      else r = m - 1;
    }
    return l;
  }

  ranges(): ShardRange[] {
    return this.starts.map((start, i) => ({
      start,
      end: i + 1 < this.starts.length ? this.starts[i + 1]! : HASH_END,
      shard: this.owners[i]!,
    }));
  }
}
