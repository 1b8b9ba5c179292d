// float4 and float8 text as PostgreSQL 12+ prints them (extra_float_digits = 1, the default): the
// shortest digits that read back to the same value (Ryu in the server), fixed notation when the
// decimal exponent is in [-4, DIG) and `d.ddde±XX` otherwise, as printf's %g would choose.
import { SwitchyardError } from '../../util/errors.js';

/** Formats a float8 exactly as float8out does. */
export function formatFloat8(value: number): string {
  if (!Number.isFinite(value) || Object.is(value, -0)) return specialText(value);
  // toExponential() with no argument gives the shortest round-tripping digits, as Ryu does.
  return layout(value.toExponential(), 15);
}

/** Formats a float4 (a value already rounded with Math.fround) exactly as float4out does. */
export function formatFloat4(value: number): string {
  if (!Number.isFinite(value) || Object.is(value, -0)) return specialText(value);
  // The shortest precision whose decimal reads back to the same float4; toPrecision gives the
  // nearest decimal of that length, as Ryu's float path does.
  for (let p = 1; p <= 9; p++) {
    const text = value.toExponential(p - 1);
    if (Math.fround(Number(text)) === value) return layout(text, 6);
  }
  return layout(value.toExponential(8), 6);
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
