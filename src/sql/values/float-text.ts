// float4 and float8 text as PostgreSQL 12+ prints them (extra_float_digits = 1, the default): the
// shortest digits that read back to the same value (Ryu in the server), fixed notation when the
// decimal exponent is in [-4, DIG) and `d.ddde±XX` otherwise, as printf's %g would choose.
import { SwitchyardError } from '../../util/errors.js';

/** Formats a float8 exactly as float8out does. */
export function formatFloat8(value: number): string {
  if (!Number.isFinite(value) || Object.is(value, -0)) return specialText(value);
  return layout(shortest(value, false), 15);
}

/** Formats a float4 (a value already rounded with Math.fround) exactly as float4out does. */
export function formatFloat4(value: number): string {
  if (!Number.isFinite(value) || Object.is(value, -0)) return specialText(value);
  return layout(shortest(value, true), 6);
}

/**
 * The shortest decimal (as `d.ddde±x`) that lies strictly between the value's rounding bounds, the
 * nearest one among equally short. PostgreSQL's Ryu never accepts a decimal exactly halfway to a
 * neighbour (JavaScript's Number#toString does when the mantissa is even), so such a candidate is
 * skipped for a longer one.
 */
function shortest(value: number, single: boolean): string {
  const fits = (text: string) => (single ? Math.fround(Number(text)) : Number(text)) === value;
  for (let p = 1; p <= 17; p++) {
    const text = value.toExponential(p - 1);
    if (fits(text) && !isHalfway(text, value, single)) return text;
  }
  return value.toExponential(16);
}

/** True when the decimal `text` equals a midpoint between `value` and an adjacent float. */
function isHalfway(text: string, value: number, single: boolean): boolean {
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return false;
  const frac = m[2] ?? '';
  const digits = BigInt(`${m[1]}${frac}`);
  const exp10 = Number(m[3]) - frac.length;
  const view = new DataView(new ArrayBuffer(8));
  let mant: bigint;
  let exp2: number;
  let minNormal: boolean;
  if (single) {
    view.setFloat32(0, Math.abs(value));
    const bits = view.getUint32(0);
    const e = bits >>> 23;
    const f = BigInt(bits & 0x7fffff);
    mant = e === 0 ? f : f + (1n << 23n);
    exp2 = e === 0 ? -149 : e - 150;
    minNormal = e > 1 && f === 0n;
  } else {
    view.setFloat64(0, Math.abs(value));
    const bits = view.getBigUint64(0);
    const e = Number(bits >> 52n);
    const f = bits & ((1n << 52n) - 1n);
    mant = e === 0 ? f : f + (1n << 52n);
    exp2 = e === 0 ? -1074 : e - 1075;
    minNormal = e > 1 && f === 0n;
  }
  const up = decimalEquals(digits, exp10, 2n * mant + 1n, exp2 - 1);
  const down = minNormal
    ? decimalEquals(digits, exp10, 4n * mant - 1n, exp2 - 2)
    : decimalEquals(digits, exp10, 2n * mant - 1n, exp2 - 1);
  return up || down;
}

/** digits × 10^exp10 = k × 2^exp2, exactly. */
function decimalEquals(digits: bigint, exp10: number, k: bigint, exp2: number): boolean {
  let left = digits;
  let right = k;
  if (exp10 >= 0) left *= 10n ** BigInt(exp10);
  else right *= 10n ** BigInt(-exp10);
  if (exp2 >= 0) right *= 1n << BigInt(exp2);
  else left *= 1n << BigInt(-exp2);
  return left === right;
}

/**
 * Parses float input as float8in does (decimal, exponent, NaN, [+-]Infinity/inf in any case).
 * @throws SwitchyardError 22P02 for malformed text, 22003 when out of range.
 */
export function parseFloat8(text: string, typeName = 'double precision'): number {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'infinity' || lower === '+infinity' || lower === 'inf' || lower === '+inf') {
    return Number.POSITIVE_INFINITY;
  }
  if (lower === '-infinity' || lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new SwitchyardError('22P02', `invalid input syntax for type ${typeName}: "${text}"`);
  }
  const value = Number(t);
  if (!Number.isFinite(value)) {
    throw new SwitchyardError('22003', `"${t}" is out of range for type ${typeName}`);
  }
  return value;
}

/** Parses float4 input: float8 parsing, then rounding to single precision. */
export function parseFloat4(text: string): number {
  const value = parseFloat8(text, 'real');
  const single = Math.fround(value);
  if (Number.isFinite(value) && !Number.isFinite(single)) {
    throw new SwitchyardError('22003', `"${text.trim()}" is out of range for type real`);
  }
  return single;
}

function specialText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return '-0';
}

/** Lays out `d.ddde±x` (JS exponential text) as PostgreSQL does, fixed below exponent `dig`. */
function layout(exponential: string, dig: number): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential);
  if (!m) return exponential;
  const sign = m[1] ?? '';
  const digits = `${m[2]}${m[3] ?? ''}`.replace(/0+$/, '') || '0';
  const exp = Number(m[4]);
  if (exp < -4 || exp >= dig) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}
