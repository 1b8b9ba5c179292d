// Resolving by key value: ordered bounds, each sending the keys below it (and not below the previous
// bound) to one shard. Integers compare as signed 64-bit values (kept as halves: no BigInt per call),
// text as the C collation compares it (UTF-8 bytes), uuids as PostgreSQL orders them (bytes).
import { SwitchyardError } from '../util/errors.js';
import { canonicalKey } from './canonical-key.js';
import { int32Key, int64KeyInto } from './integer-key.js';
import type { KeyType, KeyValue } from './key-type.js';
import type { ShardId } from './shard-map.js';
import type { ShardResolver } from './shard-resolver.js';
import { compareUtf8 } from './text-key.js';

/** Keys `< upTo` (and `>=` the previous bound's `upTo`) belong to `shard`; the last may omit `upTo`. */
export interface RangeBound {
  readonly upTo?: KeyValue;
  readonly shard: ShardId;
}

const halves = new Int32Array(2);

// Reads an integer key of any integer type into `halves`, checking the type's range.
function integerHalves(type: KeyType, value: KeyValue): void {
  if (type === 'int8') {
    int64KeyInto(value, halves);
    return;
  }
  const v = int32Key(type as 'int2' | 'int4', value);
  halves[0] = v < 0 ? -1 : 0;
  halves[1] = v;
}

/**
 * Resolves a single-column key by comparing it with ordered bounds (a binary search).
 *
 * @example
 *   const r = new RangeResolver('int8', [{ upTo: 1000, shard: 0 }, { upTo: '1000000', shard: 1 }, { shard: 2 }]);
 *   r.shardOf(5000); // 1
 */
export class RangeResolver implements ShardResolver {
  readonly kind = 'range' as const;
  private readonly shards: Int32Array;
  // Integer bounds as halves; text and uuid bounds as canonical strings.
  private readonly boundHi = new Int32Array(0);
  private readonly boundLoX = new Int32Array(0);
  private readonly boundText: readonly string[] = [];
  private readonly integer: boolean;
  private readonly open: boolean;

  constructor(
    readonly keyType: KeyType,
    readonly bounds: readonly RangeBound[],
  ) {
    if (bounds.length === 0) throw new SwitchyardError('22023', 'a range resolver needs at least one bound');
    const last = bounds[bounds.length - 1]!;
    this.open = last.upTo === undefined;
    const limited = this.open ? bounds.slice(0, -1) : bounds;
    if (limited.some((b) => b.upTo === undefined)) {
      throw new SwitchyardError('22023', 'only the last range bound may leave out upTo');
    }
    this.shards = Int32Array.from(bounds, (b) => b.shard);
    this.integer = keyType === 'int2' || keyType === 'int4' || keyType === 'int8';
    if (this.integer) {
      this.boundHi = new Int32Array(limited.length);
      this.boundLoX = new Int32Array(limited.length);
      limited.forEach((b, i) => {
        integerHalves(keyType, b.upTo!);
        this.boundHi[i] = halves[0]!;
        this.boundLoX[i] = halves[1]! ^ 0x80000000;
      });
    } else {
      this.boundText = limited.map((b) => String(canonicalKey(keyType, b.upTo!)));
    }
    for (let i = 1; i < limited.length; i++) {
      if (this.compareBounds(i - 1, i) >= 0) {
        throw new SwitchyardError(
          '22023',
          `range bounds must increase, but bound ${i} is not above bound ${i - 1}`,
        );
      }
    }
  }

  shardOf(value: KeyValue): ShardId {
    const count = this.integer ? this.boundHi.length : this.boundText.length;
    // The first bound above the key: l = the number of bounds the key is at or above.
    let l = 0;
    let r = count;
    if (this.integer) {
      integerHalves(this.keyType, value);
      const hi = halves[0]!;
      const loX = halves[1]! ^ 0x80000000;
      while (l < r) {
        const m = (l + r) >> 1;
        const h = this.boundHi[m]!;
        if (h < hi || (h === hi && this.boundLoX[m]! <= loX)) l = m + 1;
        else r = m;
      }
    } else {
      const key = String(canonicalKey(this.keyType, value));
      while (l < r) {
        const m = (l + r) >> 1;
        if (compareUtf8(this.boundText[m]!, key) <= 0) l = m + 1;
        else r = m;
      }
    }
    if (l >= this.shards.length) {
      throw new SwitchyardError(
        '23514',
        'no range of the shard key holds this key: it is at or above the last bound; add a bound without upTo',
      );
    }
    return this.shards[l]!;
  }

  shardOfKey(values: readonly KeyValue[]): ShardId {
    if (values.length !== 1) {
      throw new SwitchyardError('0A000', 'range resolvers take single-column shard keys only');
    }
    return this.shardOf(values[0]!);
  }

  private compareBounds(i: number, j: number): number {
    if (!this.integer) return compareUtf8(this.boundText[i]!, this.boundText[j]!);
    const d = this.boundHi[i]! - this.boundHi[j]!;
    return d !== 0 ? d : this.boundLoX[i]! - this.boundLoX[j]!;
  }
}
