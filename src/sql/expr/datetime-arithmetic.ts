// + and - on dates, timestamps and intervals, as the server's date.c / timestamp.c compute them:
// date - date (int4 days), date ± int4 (date), timestamp - timestamp (interval, justify_hours),
// interval ± interval, timestamp ± interval (months with the day clamped to the month's end, then
// days, then microseconds) and date ± interval (timestamp). timestamptz ± an interval with months
// or days depends on the session's TimeZone (a day is not always 24 hours), so only its
// microsecond part is evaluated here; the rest is refused. Infinite operands are refused too: the
// server's answer for them changed between PostgreSQL 15 and 17.
import { SwitchyardError } from '../../util/errors.js';
import { date2j, j2date } from '../values/datetime-text.js';
import { addInterval, negateInterval, type PgInterval } from '../values/pg-interval.js';
import type { PgValue } from '../values/pg-value.js';
import { TypeOid } from '../values/type-oids.js';
import { unsupportedExpr } from './compiled-expr.js';

/** A date/time operator: the operand types it takes and how it computes. */
export interface DatetimeOperator {
  readonly left: number;
  readonly right: number;
  readonly result: number;
  apply(a: PgValue, b: PgValue): PgValue;
}

const USECS_PER_DAY = 86_400_000_000n;
const EPOCH_JDATE = 2451545;
/** PostgreSQL's date range in days since 2000-01-01 (Julian days 0 to DATE_END_JULIAN - 1). */
const MIN_DATE = -EPOCH_JDATE;
const MAX_DATE = 2147483494 - EPOCH_JDATE - 1;
/** Timestamp range in microseconds since 2000 (MIN_TIMESTAMP / END_TIMESTAMP). */
const MIN_TIMESTAMP = -211813488000000000n;
const END_TIMESTAMP = 9223371331200000000n;

const INTEGERS = new Set<number>([TypeOid.int2, TypeOid.int4, TypeOid.unknown]);
const TIMESTAMPS = new Set<number>([TypeOid.timestamp, TypeOid.timestamptz]);

const dateOutOfRange = () => new SwitchyardError('22008', 'date out of range');
const timestampOutOfRange = () => new SwitchyardError('22008', 'timestamp out of range');

function refuseInfinite(): never {
  throw new SwitchyardError(
    '0A000',
    'date/time arithmetic on infinite values is not evaluated across shards (PostgreSQL versions answer it differently)',
  );
}

function finiteDate(v: PgValue): number {
  const d = v as number;
  if (!Number.isFinite(d)) refuseInfinite();
  return d;
}

function finiteTimestamp(v: PgValue): bigint {
  const t = v as bigint;
  if (t >= END_TIMESTAMP || t < MIN_TIMESTAMP) refuseInfinite();
  return t;
}

function checkDate(days: number): number {
  if (days < MIN_DATE || days > MAX_DATE) throw dateOutOfRange();
  return days;
}

function checkTimestamp(t: bigint): bigint {
  if (t < MIN_TIMESTAMP || t >= END_TIMESTAMP) throw timestampOutOfRange();
  return t;
}

/** timestamp_mi: the difference as days and microseconds (interval_justify_hours of the span). */
function timestampDifference(a: bigint, b: bigint): PgInterval {
  const span = finiteTimestamp(a) - finiteTimestamp(b);
  const days = span / USECS_PER_DAY; // truncates toward zero, as C does
  return { months: 0, days: Number(days), micros: span - days * USECS_PER_DAY };
}

/** timestamp_pl_interval on a timestamp without time zone (its calendar fields as written). */
function addToTimestamp(t: bigint, span: PgInterval, zoned: boolean): bigint {
  let ts = finiteTimestamp(t);
  if (zoned && (span.months !== 0 || span.days !== 0)) {
    throw unsupportedExpr(
      "timestamptz ± an interval with months or days (it depends on the session's TimeZone)",
    );
  }
  if (span.months !== 0 || span.days !== 0) {
    let day = ts / USECS_PER_DAY;
    let time = ts - day * USECS_PER_DAY;
    if (time < 0n) {
      time += USECS_PER_DAY;
      day -= 1n;
    }
    let [year, month, mday] = j2date(Number(day) + EPOCH_JDATE);
    if (span.months !== 0) {
      const months = year * 12 + (month - 1) + span.months;
      year = Math.floor(months / 12);
      month = months - year * 12 + 1;
      mday = Math.min(mday, daysInMonth(year, month));
    }
    const julian = date2j(year, month, mday) + span.days;
    ts = BigInt(julian - EPOCH_JDATE) * USECS_PER_DAY + time;
  }
  return checkTimestamp(ts + span.micros);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    // Year 0 is 1 BC (a leap year in the proleptic Gregorian calendar).
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return leap ? 29 : 28;
  }
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 31;
}

function finiteInterval(v: PgValue): PgInterval {
  const i = v as PgInterval;
  const extreme = (n: number) => n === 2147483647 || n === -2147483648;
  if (extreme(i.months) && extreme(i.days)) refuseInfinite();
  return i;
}

/**
 * The date/time operator `op` between `left` and `right` (an unknown-typed literal takes the type
 * the operator needs), or undefined when neither side is a date/time type.
 *
 * @throws SwitchyardError 0A000 for an operator PostgreSQL has but Switchyard does not evaluate
 */
export function datetimeOperator(op: string, left: number, right: number): DatetimeOperator | undefined {
  const isDate = (t: number) => t === TypeOid.date;
  const isInterval = (t: number) => t === TypeOid.interval;
  const temporal = (t: number) => isDate(t) || TIMESTAMPS.has(t) || isInterval(t);
  if (!temporal(left) && !temporal(right)) return undefined;
  if (op !== '+' && op !== '-') throw unsupportedExpr(`the operator ${op} on dates, times or intervals`);
  const plus = op === '+';
  // date - date, date ± integer, integer + date
  if (isDate(left) && isDate(right) && !plus) {
    return { left, right, result: TypeOid.int4, apply: (a, b) => finiteDate(a) - finiteDate(b) };
  }
  if (isDate(left) && INTEGERS.has(right)) {
    return {
      left,
      right: TypeOid.int4,
      result: TypeOid.date,
      apply: (a, b) => checkDate(finiteDate(a) + (plus ? 1 : -1) * (b as number)),
    };
  }
  if (INTEGERS.has(left) && isDate(right) && plus) {
    return {
      left: TypeOid.int4,
      right,
      result: TypeOid.date,
      apply: (a, b) => checkDate(finiteDate(b) + (a as number)),
    };
  }
  // timestamp - timestamp
  if (TIMESTAMPS.has(left) && left === right && !plus) {
    return {
      left,
      right,
      result: TypeOid.interval,
      apply: (a, b) => timestampDifference(a as bigint, b as bigint),
    };
  }
  const asInterval = (t: number) => isInterval(t) || t === TypeOid.unknown;
  // interval ± interval
  if (isInterval(left) && asInterval(right)) {
    return {
      left,
      right: TypeOid.interval,
      result: TypeOid.interval,
      apply: (a, b) => {
        const x = finiteInterval(a);
        const y = finiteInterval(b);
        return addInterval(x, plus ? y : negateInterval(y));
      },
    };
  }
  // timestamp ± interval, interval + timestamp, date ± interval (as a timestamp)
  const timestampSide = (t: number) => TIMESTAMPS.has(t) || isDate(t);
  if (timestampSide(left) && asInterval(right)) {
    const result = isDate(left) ? TypeOid.timestamp : left;
    return {
      left,
      right: TypeOid.interval,
      result,
      apply: (a, b) => {
        const start = isDate(left) ? BigInt(finiteDate(a)) * USECS_PER_DAY : (a as bigint);
        const span = finiteInterval(b);
        return addToTimestamp(start, plus ? span : negateInterval(span), result === TypeOid.timestamptz);
      },
    };
  }
  if (isInterval(left) && timestampSide(right) && plus) {
    const result = isDate(right) ? TypeOid.timestamp : right;
    return {
      left,
      right,
      result,
      apply: (a, b) => {
        const start = isDate(right) ? BigInt(finiteDate(b)) * USECS_PER_DAY : (b as bigint);
        return addToTimestamp(start, finiteInterval(a), result === TypeOid.timestamptz);
      },
    };
  }
  throw unsupportedExpr(`the operator ${op} between these date/time types`);
}
