// PostgreSQL's interval: months, days and microseconds kept apart (as the server stores them), its
// IntervalStyle=postgres text ("1 year 2 mons -3 days +04:05:06.5"), its comparison by total span
// with 30-day months and 24-hour days (interval_cmp_value), and the sum / division that sum() and
// avg() need.
import { SwitchyardError } from '../../util/errors.js';

/** An interval value, as the server stores it. */
export interface PgInterval {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

const USECS_PER_DAY = 86_400_000_000n;
const USECS_PER_HOUR = 3_600_000_000n;
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** interval 'infinity' (PostgreSQL 17+): every field at its maximum. */
export const INTERVAL_INFINITY: PgInterval = Object.freeze({
  months: INT32_MAX,
  days: INT32_MAX,
  micros: INT64_MAX,
});
/** interval '-infinity' (PostgreSQL 17+). */
export const INTERVAL_MINUS_INFINITY: PgInterval = Object.freeze({
  months: INT32_MIN,
  days: INT32_MIN,
  micros: INT64_MIN,
});

function outOfRange(): SwitchyardError {
  return new SwitchyardError('22008', 'interval out of range');
}

// interval_out prints years, mons and days; the other units are input forms people write in queries
// (`interval '2 hours'`), with whole numbers.
const PART_RE =
  /^([+-]?\d+) (years?|yrs?|mons?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|milliseconds?|msecs?|microseconds?|usecs?)$/;
const UNIT_MICROS: Readonly<Record<string, bigint>> = {
  h: 3_600_000_000n,
  mi: 60_000_000n,
  s: 1_000_000n,
  ms: 1000n,
  mu: 1n,
};

function unitMicros(unit: string): bigint | undefined {
  if (unit.startsWith('h')) return UNIT_MICROS.h;
  if (unit.startsWith('min')) return UNIT_MICROS.mi;
  if (unit.startsWith('s')) return UNIT_MICROS.s;
  if (unit.startsWith('mil') || unit.startsWith('ms')) return UNIT_MICROS.ms;
  if (unit.startsWith('mic') || unit.startsWith('us')) return UNIT_MICROS.mu;
  return undefined;
}
const TIME_RE = /^([+-]?)(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Parses interval text as printed with IntervalStyle postgres. */
export function parseInterval(text: string): PgInterval {
  const t = text.trim();
  if (t === 'infinity') return INTERVAL_INFINITY;
  if (t === '-infinity') return INTERVAL_MINUS_INFINITY;
  let months = 0;
  let days = 0;
  let micros = 0n;
  const words = t.split(' ');
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const unit = words[i + 1];
    const part = unit === undefined ? null : PART_RE.exec(`${word} ${unit}`);
    if (part) {
      const n = Number(part[1]);
      const name = part[2] ?? '';
      const micro = unitMicros(name);
      if (name.startsWith('y')) months += n * 12;
      else if (name.startsWith('mo')) months += n;
      else if (name.startsWith('w')) days += n * 7;
      else if (name.startsWith('d')) days += n;
      else if (micro !== undefined) micros += BigInt(part[1] ?? '0') * micro;
      i++;
      continue;
    }
    const time = TIME_RE.exec(word);
    if (!time) throw new SwitchyardError('22007', `invalid input syntax for type interval: "${text}"`);
    const abs =
      BigInt(time[2] ?? '0') * USECS_PER_HOUR +
      BigInt(Number(time[3]) * 60 + Number(time[4])) * 1_000_000n +
      BigInt((time[5] ?? '').padEnd(6, '0'));
    micros += time[1] === '-' ? -abs : abs;
  }
  return { months, days, micros };
}

/** Formats an interval exactly as interval_out does with IntervalStyle postgres. */
export function formatInterval(value: PgInterval): string {
  if (isInfinite(value, INTERVAL_INFINITY)) return 'infinity';
  if (isInfinite(value, INTERVAL_MINUS_INFINITY)) return '-infinity';
  const parts: string[] = [];
  let isBefore = false;
  // Each non-zero field decides whether the next positive one gets an explicit "+" (EncodeInterval).
  const add = (n: number, unit: string) => {
    if (n === 0) return;
    parts.push(`${isBefore && n > 0 ? '+' : ''}${n} ${unit}${n !== 1 ? 's' : ''}`);
    isBefore = n < 0;
  };
  add(Math.trunc(value.months / 12), 'year');
  add(value.months % 12, 'mon');
  add(value.days, 'day');
  if (parts.length === 0 || value.micros !== 0n) {
    const negative = value.micros < 0n;
    const abs = negative ? -value.micros : value.micros;
    const hours = abs / USECS_PER_HOUR;
    const rest = abs % USECS_PER_HOUR;
    const minutes = Number(rest / 60_000_000n);
    const secs = Number((rest / 1_000_000n) % 60n);
    const frac = Number(rest % 1_000_000n);
    const fraction = frac === 0 ? '' : `.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
    const sign = negative ? '-' : isBefore ? '+' : '';
    parts.push(
      `${sign}${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:${String(secs).padStart(2, '0')}${fraction}`,
    );
  }
  return parts.join(' ');
}

function isInfinite(v: PgInterval, inf: PgInterval): boolean {
  return v.months === inf.months && v.days === inf.days && v.micros === inf.micros;
}

/** interval_cmp_value: the total span in microseconds, months as 30 days. */
export function intervalSpan(value: PgInterval): bigint {
  return (BigInt(value.months) * 30n + BigInt(value.days)) * USECS_PER_DAY + value.micros;
}

/** interval_cmp: by span, so '1 mon' = '30 days'. */
export function compareInterval(a: PgInterval, b: PgInterval): number {
  const x = intervalSpan(a);
  const y = intervalSpan(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** interval_pl: field-wise sum. @throws SwitchyardError 22008 on overflow. */
export function addInterval(a: PgInterval, b: PgInterval): PgInterval {
  const months = a.months + b.months;
  const days = a.days + b.days;
  const micros = a.micros + b.micros;
  if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN) throw outOfRange();
  if (micros > INT64_MAX || micros < INT64_MIN) throw outOfRange();
  return { months, days, micros };
}

/** interval_um: field-wise negation. */
export function negateInterval(a: PgInterval): PgInterval {
  return { months: -a.months || 0, days: -a.days || 0, micros: -a.micros };
}

const tsRound = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * interval_div by a float8, as avg(interval) finishes: fractional months cascade into days and
 * fractional days into seconds, with the server's TSROUND steps (float8 arithmetic, like C).
 */
export function divideInterval(a: PgInterval, factor: number): PgInterval {
  if (factor === 0) throw new SwitchyardError('22012', 'division by zero');
  const month = Math.trunc(a.months / factor);
  let day = Math.trunc(a.days / factor);
  const monthRemainderDays = tsRound((a.months / factor - month) * 30);
  let secRemainder = tsRound(
    (a.days / factor - day + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400,
  );
  if (Math.abs(secRemainder) >= 86400) {
    const whole = Math.trunc(secRemainder / 86400);
    day += whole;
    secRemainder -= whole * 86400;
  }
  day += Math.trunc(monthRemainderDays);
  const micros = rint(Number(a.micros) / factor + secRemainder * 1e6);
  return { months: month, days: day, micros: BigInt(micros) };
}

/** C rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
