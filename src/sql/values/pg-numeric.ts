// PostgreSQL's `numeric` as an exact value: an unscaled BigInt and a display scale, so `1.50` keeps
// its two digits exactly as the server prints them. No JS decimal library reproduces PostgreSQL's
// scale rules (add keeps the larger scale, multiply adds scales, divide picks a scale from the
// operands' weights), so they are ported here from src/backend/utils/adt/numeric.c.
import { SwitchyardError } from '../../util/errors.js';

/** The special values numeric has had since PostgreSQL 14 (NaN long before). */
export type NumericSpecial = 'NaN' | 'Infinity' | '-Infinity';

/** numeric.c's NUMERIC_MAX_DISPLAY_SCALE and NUMERIC_MIN_SIG_DIGITS. */
const MAX_DISPLAY_SCALE = 1000;
const MIN_SIG_DIGITS = 16;

/**
 * An immutable numeric value: `unscaled × 10^-scale`, or a special value (`unscaled` 0n then).
 *
 * @example
 *   PgNumeric.parse('1.50').add(PgNumeric.parse('2')).toString(); // '3.50'
 */
export class PgNumeric {
  private constructor(
    /** The digits as an integer: 1.50 is 150n with scale 2. */
    readonly unscaled: bigint,
    /** Digits after the decimal point that PostgreSQL displays (dscale). */
    readonly scale: number,
    /** NaN or ±Infinity, else undefined for a finite value. */
    readonly special?: NumericSpecial,
  ) {
    Object.freeze(this);
  }

  /** A finite value `unscaled × 10^-scale`. */
  static of(unscaled: bigint, scale = 0): PgNumeric {
    return new PgNumeric(unscaled, scale);
  }

  /** NaN, Infinity or -Infinity. */
  static special(kind: NumericSpecial): PgNumeric {
    return new PgNumeric(0n, 0, kind);
  }

  /**
   * Parses numeric input as numeric_in does: optional sign, digits with an optional point, an
   * optional exponent, NaN and [+-]Infinity in any case, surrounding blanks.
   * @throws SwitchyardError 22P02 for anything else.
   */
  static parse(text: string): PgNumeric {
    const t = text.trim();
    const lower = t.toLowerCase();
    if (lower === 'nan') return PgNumeric.special('NaN');
    if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') {
      return PgNumeric.special('Infinity');
    }
    if (lower === '-infinity' || lower === '-inf') return PgNumeric.special('-Infinity');
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(t);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
      throw new SwitchyardError('22P02', `invalid input syntax for type numeric: "${text}"`);
    }
    const frac = m[3] ?? '';
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    let unscaled = BigInt(`${m[2] || '0'}${frac}`);
    let scale = frac.length - exp;
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new PgNumeric(m[1] === '-' ? -unscaled : unscaled, scale);
  }

  /** True for NaN. */
  get isNaN(): boolean {
    return this.special === 'NaN';
  }

  /** -1, 0 or 1 (NaN reports 0; callers check it first). */
  get sign(): number {
    if (this.special === 'Infinity') return 1;
    if (this.special === '-Infinity') return -1;
    return this.unscaled > 0n ? 1 : this.unscaled < 0n ? -1 : 0;
  }

  /** The text numeric_out prints: all `scale` digits, no exponent. */
  toString(): string {
    if (this.special) return this.special;
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString().padStart(this.scale + 1, '0');
    const cut = digits.length - this.scale;
    const body = this.scale > 0 ? `${digits.slice(0, cut)}.${digits.slice(cut)}` : digits;
    return negative ? `-${body}` : body;
  }

  /** The same value at a larger scale (trailing zeros added). */
  withScale(scale: number): PgNumeric {
    if (this.special || scale <= this.scale) return this;
    return new PgNumeric(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
  }

  /**
   * numeric_cmp's total order: NaN above +Infinity above every finite value; NaN equals NaN and
   * values equal whatever their scale (1.0 = 1.00).
   */
  compare(other: PgNumeric): number {
    const a = rank(this);
    const b = rank(other);
    if (a !== b || a !== 0) return a - b;
    const s = Math.max(this.scale, other.scale);
    const x = this.withScale(s).unscaled;
    const y = other.withScale(s).unscaled;
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** A string equal for values numeric_eq considers equal: trailing fraction zeros removed. */
  groupKey(): string {
    if (this.special) return this.special;
    let u = this.unscaled;
    let s = this.scale;
    while (s > 0 && u % 10n === 0n) {
      u /= 10n;
      s--;
    }
    return `${u}e-${s}`;
  }

  /** Unary minus (no negative zero: numeric has none). */
  negate(): PgNumeric {
    if (this.special === 'Infinity') return PgNumeric.special('-Infinity');
    if (this.special === '-Infinity') return PgNumeric.special('Infinity');
    if (this.special) return this;
    return new PgNumeric(-this.unscaled, this.scale);
  }

  /** Absolute value, scale kept. */
  abs(): PgNumeric {
    return this.sign < 0 ? this.negate() : this;
  }

  /** Sum; scale max(s1, s2); Infinity + -Infinity is NaN. */
  add(other: PgNumeric): PgNumeric {
    if (this.special || other.special) return addSpecial(this, other);
    const s = Math.max(this.scale, other.scale);
    return new PgNumeric(this.withScale(s).unscaled + other.withScale(s).unscaled, s);
  }

  /** Difference; scale max(s1, s2). */
  sub(other: PgNumeric): PgNumeric {
    return this.add(other.negate());
  }

  /** Product; scale s1 + s2 (exact, as mul_var with rscale = dscale1 + dscale2). */
  mul(other: PgNumeric): PgNumeric {
    if (this.special || other.special) {
      if (this.isNaN || other.isNaN) return PgNumeric.special('NaN');
      const sign = this.sign * other.sign;
      // Infinity × 0 is NaN, as numeric_mul says.
      if (sign === 0) return PgNumeric.special('NaN');
      return PgNumeric.special(sign > 0 ? 'Infinity' : '-Infinity');
    }
    return new PgNumeric(this.unscaled * other.unscaled, Math.min(this.scale + other.scale, 16383));
  }

  /**
   * Quotient at select_div_scale's scale, rounded half away from zero as div_var(round=true).
   * @throws SwitchyardError 22012 when dividing by zero.
   */
  div(other: PgNumeric): PgNumeric {
    if (this.isNaN || other.isNaN) return PgNumeric.special('NaN');
    if (other.special) {
      if (this.special) return PgNumeric.special('NaN');
      return PgNumeric.of(0n, 0);
    }
    if (other.unscaled === 0n) throw divisionByZero();
    if (this.special) return PgNumeric.special(this.sign * other.sign > 0 ? 'Infinity' : '-Infinity');
    return divRound(this, other, selectDivScale(this, other));
  }

  /**
   * Remainder with the sign of the dividend, scale max(s1, s2) (mod_var: x - trunc(x / y) × y).
   * @throws SwitchyardError 22012 when dividing by zero.
   */
  mod(other: PgNumeric): PgNumeric {
    if (this.isNaN || other.isNaN) return PgNumeric.special('NaN');
    if (!other.special && other.unscaled === 0n) throw divisionByZero();
    if (this.special) return PgNumeric.special('NaN');
    if (other.special) return this;
    const s = Math.max(this.scale, other.scale);
    return new PgNumeric(this.withScale(s).unscaled % other.withScale(s).unscaled, s);
  }

  /** round(x, digits): half away from zero; the result shows max(digits, 0) decimals. */
  round(digits = 0): PgNumeric {
    return this.rescale(digits, 'round');
  }

  /** trunc(x, digits): toward zero; the result shows max(digits, 0) decimals. */
  trunc(digits = 0): PgNumeric {
    return this.rescale(digits, 'trunc');
  }

  /** floor(x): scale 0. */
  floor(): PgNumeric {
    const t = this.trunc(0);
    return !this.special && this.sign < 0 && t.compare(this) !== 0 ? t.sub(PgNumeric.of(1n)) : t;
  }

  /** ceil(x): scale 0. */
  ceil(): PgNumeric {
    const t = this.trunc(0);
    return !this.special && this.sign > 0 && t.compare(this) !== 0 ? t.add(PgNumeric.of(1n)) : t;
  }

  /** The nearest float8, as numeric_float8 (via text and a correctly rounded strtod). */
  toFloat(): number {
    if (this.special === 'NaN') return Number.NaN;
    if (this.special) return this.sign * Number.POSITIVE_INFINITY;
    return Number(this.scale > 0 ? `${this.unscaled}e-${this.scale}` : this.unscaled.toString());
  }

  private rescale(digits: number, mode: 'round' | 'trunc'): PgNumeric {
    if (this.special) return this;
    const d = Math.max(Math.min(digits, 2000), -2000);
    const target = Math.max(d, 0);
    if (d >= this.scale) return this.withScale(target);
    const factor = 10n ** BigInt(this.scale - d);
    const negative = this.unscaled < 0n;
    const abs = negative ? -this.unscaled : this.unscaled;
    let q = abs / factor;
    if (mode === 'round' && (abs % factor) * 2n >= factor) q += 1n;
    // q is in units of 10^-d; express it at scale max(d, 0).
    const unscaled = d >= 0 ? q : q * 10n ** BigInt(-d);
    return new PgNumeric(negative ? -unscaled : unscaled, target);
  }
}

function rank(n: PgNumeric): number {
  return n.special === 'NaN' ? 2 : n.special === 'Infinity' ? 1 : n.special === '-Infinity' ? -1 : 0;
}

function addSpecial(a: PgNumeric, b: PgNumeric): PgNumeric {
  if (a.isNaN || b.isNaN) return PgNumeric.special('NaN');
  if (a.special && b.special && a.special !== b.special) return PgNumeric.special('NaN');
  return (a.special ? a : b) as PgNumeric;
}

function divisionByZero(): SwitchyardError {
  return new SwitchyardError('22012', 'division by zero');
}

/** The weight (power of 10000) and value of the first non-zero base-10000 digit, as NumericVar has them. */
function firstDigit(n: PgNumeric): { weight: number; digit: number } {
  if (n.unscaled === 0n) return { weight: 0, digit: 0 };
  const abs = n.unscaled < 0n ? -n.unscaled : n.unscaled;
  // Align the fraction to whole base-10000 digits, as numeric stores it.
  const fracGroups = Math.ceil(n.scale / 4);
  const aligned = abs * 10n ** BigInt(fracGroups * 4 - n.scale);
  const decimalDigits = aligned.toString().length;
  const groups = Math.ceil(decimalDigits / 4);
  const top = aligned / 10000n ** BigInt(groups - 1);
  return { weight: groups - 1 - fracGroups, digit: Number(top) };
}

/** numeric.c select_div_scale: enough digits for 16 significant, at least either input's scale. */
export function selectDivScale(a: PgNumeric, b: PgNumeric): number {
  const x = firstDigit(a);
  const y = firstDigit(b);
  let qweight = x.weight - y.weight;
  if (x.digit <= y.digit) qweight--;
  let rscale = MIN_SIG_DIGITS - qweight * 4;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, MAX_DISPLAY_SCALE);
}

/** a / b exactly, rounded half away from zero at `rscale` decimals. */
function divRound(a: PgNumeric, b: PgNumeric, rscale: number): PgNumeric {
  // a/b × 10^rscale = (ua × 10^(rscale + sb)) / (ub × 10^sa)
  let num = a.unscaled * 10n ** BigInt(rscale + b.scale);
  let den = b.unscaled * 10n ** BigInt(a.scale);
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const negative = num < 0n;
  const absNum = negative ? -num : num;
  let q = absNum / den;
  if ((absNum % den) * 2n >= den) q += 1n;
  return PgNumeric.of(negative ? -q : q, rscale);
}
