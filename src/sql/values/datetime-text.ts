// date, timestamp and timestamptz in PostgreSQL's own representation (days / microseconds since
// 2000-01-01, with the server's sentinels for ±infinity) and their DateStyle=ISO text. Calendar math
// is datetime.c's date2j / j2date (proleptic Gregorian, no year 0: 1 BC is year 0 internally).
// timestamptz is printed in UTC ("+00"): Switchyard sessions run with TimeZone=UTC; input text with
// any numeric offset is accepted.
import { SwitchyardError } from '../../util/errors.js';

/** Julian day of 2000-01-01, PostgreSQL's epoch. */
const EPOCH_JDATE = 2451545;
const USECS_PER_DAY = 86_400_000_000n;
/** timestamp 'infinity' and '-infinity' (DT_NOEND / DT_NOBEGIN). */
export const TIMESTAMP_INFINITY = 2n ** 63n - 1n;
/** timestamp '-infinity'. */
export const TIMESTAMP_MINUS_INFINITY = -(2n ** 63n);

/** datetime.c date2j: Julian day number of a Gregorian date (year ≤ 0 is BC). */
export function date2j(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.trunc(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.trunc(y / 4) - century + Math.trunc(century / 4);
  julian += Math.trunc((7834 * m) / 256) + day;
  return julian;
}

/** datetime.c j2date: the Gregorian date of a Julian day number. */
export function j2date(jd: number): [year: number, month: number, day: number] {
  let julian = jd + 32044;
  let quad = Math.trunc(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.trunc(extra / 146097);
  quad = Math.trunc(julian / 1461);
  julian -= quad * 1461;
  let y = Math.trunc((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  const q = Math.trunc((julian * 2141) / 65536);
  return [y - 4800, ((q + 10) % 12) + 1, julian - Math.trunc((7834 * q) / 256)];
}

function badInput(type: string, text: string): SwitchyardError {
  return new SwitchyardError('22007', `invalid input syntax for type ${type}: "${text}"`);
}

const DATE_RE = /^(\d{4,})-(\d{2})-(\d{2})/;

function parseYmd(text: string, ymd: RegExpExecArray, bc: boolean): number {
  const year = Number(ymd[1]);
  const month = Number(ymd[2]);
  const day = Number(ymd[3]);
  const y = bc ? 1 - year : year;
  const jd = date2j(y, month, day);
  // Reject 2023-02-30 and the like: the day must map back to itself.
  const [ry, rm, rd] = j2date(jd);
  if (year === 0 || ry !== y || rm !== month || rd !== day) {
    throw new SwitchyardError('22008', `date/time field value out of range: "${text}"`);
  }
  return jd - EPOCH_JDATE;
}

/** Parses a date (ISO `YYYY-MM-DD[ BC]`, `infinity`, `-infinity`) to days since 2000-01-01. */
export function parseDate(text: string): number {
  const t = text.trim();
  if (t === 'infinity') return Number.POSITIVE_INFINITY;
  if (t === '-infinity') return Number.NEGATIVE_INFINITY;
  const bc = t.endsWith(' BC');
  const ymd = DATE_RE.exec(t);
  if (!ymd || ymd[0].length !== (bc ? t.length - 3 : t.length)) throw badInput('date', text);
  return parseYmd(text, ymd, bc);
}

/** Formats days since 2000-01-01 as date_out does with DateStyle ISO. */
export function formatDate(days: number): string {
  if (days === Number.POSITIVE_INFINITY) return 'infinity';
  if (days === Number.NEGATIVE_INFINITY) return '-infinity';
  const [y, m, d] = j2date(days + EPOCH_JDATE);
  return `${ymdText(y, m, d)}${y <= 0 ? ' BC' : ''}`;
}

function ymdText(y: number, m: number, d: number): string {
  const year = y <= 0 ? 1 - y : y;
  return `${String(year).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

const TIME_RE = /^ (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/;
const OFFSET_RE = /^([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?/;

/**
 * Parses timestamp / timestamptz output text (`YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]][ BC]`,
 * `infinity`, `-infinity`) to microseconds since 2000-01-01 (UTC for timestamptz).
 */
export function parseTimestamp(text: string, withZone: boolean): bigint {
  const type = withZone ? 'timestamp with time zone' : 'timestamp without time zone';
  const t = text.trim();
  if (t === 'infinity') return TIMESTAMP_INFINITY;
  if (t === '-infinity') return TIMESTAMP_MINUS_INFINITY;
  const bc = t.endsWith(' BC');
  const body = bc ? t.slice(0, -3) : t;
  const ymd = DATE_RE.exec(body);
  if (!ymd) throw badInput(type, text);
  let rest = body.slice(ymd[0].length);
  const time = TIME_RE.exec(rest);
  let micros = 0n;
  if (time) {
    const [h, mi, s] = [Number(time[1]), Number(time[2]), Number(time[3])];
    if (h > 24 || mi > 59 || s > 60) throw badInput(type, text);
    micros = BigInt((h * 60 + mi) * 60 + s) * 1_000_000n + BigInt((time[4] ?? '').padEnd(6, '0'));
    rest = rest.slice(time[0].length);
  }
  let offsetSeconds = 0;
  const offset = OFFSET_RE.exec(rest);
  if (offset && withZone) {
    const secs = Number(offset[2]) * 3600 + Number(offset[3] ?? 0) * 60 + Number(offset[4] ?? 0);
    offsetSeconds = offset[1] === '-' ? -secs : secs;
    rest = rest.slice(offset[0].length);
  }
  if (rest !== '') throw badInput(type, text);
  const days = parseYmd(text, ymd, bc);
  return BigInt(days) * USECS_PER_DAY + micros - BigInt(offsetSeconds) * 1_000_000n;
}

/** Formats microseconds since 2000-01-01 as timestamp_out / timestamptz_out (TimeZone UTC) do. */
export function formatTimestamp(micros: bigint, withZone: boolean): string {
  if (micros === TIMESTAMP_INFINITY) return 'infinity';
  if (micros === TIMESTAMP_MINUS_INFINITY) return '-infinity';
  let days = micros / USECS_PER_DAY;
  let time = micros % USECS_PER_DAY;
  if (time < 0n) {
    time += USECS_PER_DAY;
    days -= 1n;
  }
  const [y, m, d] = j2date(Number(days) + EPOCH_JDATE);
  const secs = Number(time / 1_000_000n);
  const frac = Number(time % 1_000_000n);
  const hms = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
  const fraction = frac === 0 ? '' : `.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
  return `${ymdText(y, m, d)} ${hms}${fraction}${withZone ? '+00' : ''}${y <= 0 ? ' BC' : ''}`;
}
