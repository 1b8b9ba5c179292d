// PostgreSQL arrays: the `{…}` text form (with array_out's quoting and `[lb:ub]=` bounds when a lower
// bound is not 1), and array_cmp's ordering: element by element (NULL above any value), then by
// element count, dimensions and lower bounds.
import { SwitchyardError } from '../../util/errors.js';
import type { PgValue } from './pg-value.js';

/** An array value: its elements in row-major order (null for NULL), dimension lengths and lower bounds. */
export interface PgArray {
  readonly kind: 'array';
  readonly elements: readonly PgValue[];
  readonly dims: readonly number[];
  readonly lbounds: readonly number[];
}

/** How an element type reads, prints, compares and keys its values. */
export interface ElementCodec {
  parse(text: string): PgValue;
  format(value: PgValue): string;
  compare(a: PgValue, b: PgValue): number;
  groupKey(value: PgValue): string;
}

function malformed(text: string, why: string): SwitchyardError {
  return new SwitchyardError('22P02', `malformed array literal: "${text}" (${why})`);
}

/** Parses array_out text into a PgArray, parsing each element with `element`. */
export function parseArray(text: string, element: ElementCodec): PgArray {
  let pos = 0;
  let lbounds: number[] | undefined;
  if (text.startsWith('[')) {
    const eq = text.indexOf('=');
    if (eq < 0) throw malformed(text, 'missing "="');
    lbounds = [...text.slice(0, eq).matchAll(/\[(-?\d+):(-?\d+)\]/g)].map((m) => Number(m[1]));
    pos = eq + 1;
  }
  const elements: PgValue[] = [];
  const dims: number[] = [];
  const counts: number[] = [];
  let depth = 0;
  const at = () => text[pos];
  while (pos < text.length) {
    const c = at();
    if (c === '{') {
      depth++;
      counts[depth - 1] = 0;
      pos++;
    } else if (c === '}') {
      const n = counts[depth - 1] ?? 0;
      if (dims[depth - 1] === undefined) dims[depth - 1] = n;
      else if (dims[depth - 1] !== n) throw malformed(text, 'sub-arrays of different sizes');
      depth--;
      pos++;
      if (depth > 0) counts[depth - 1] = (counts[depth - 1] ?? 0) + 1;
    } else if (c === ',') {
      pos++;
    } else if (c === '"') {
      let value = '';
      pos++;
      while (pos < text.length && at() !== '"') {
        if (at() === '\\') pos++;
        value += text[pos] ?? '';
        pos++;
      }
      pos++;
      elements.push(element.parse(value));
      counts[depth - 1] = (counts[depth - 1] ?? 0) + 1;
    } else {
      const start = pos;
      while (pos < text.length && at() !== ',' && at() !== '}') pos++;
      // array_in trims only ASCII blanks (array_isspace), not every Unicode space.
      const raw = text.slice(start, pos).replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
      elements.push(raw.toUpperCase() === 'NULL' ? null : element.parse(raw));
      counts[depth - 1] = (counts[depth - 1] ?? 0) + 1;
    }
  }
  if (depth !== 0) throw malformed(text, 'unbalanced braces');
  // '{}' is the empty array: no dimensions at all.
  const realDims = elements.length === 0 ? [] : dims;
  return {
    kind: 'array',
    elements,
    dims: realDims,
    lbounds: lbounds ?? realDims.map(() => 1),
  };
}

/** Formats a PgArray as array_out does. */
export function formatArray(value: PgArray, element: ElementCodec): string {
  if (value.dims.length === 0) return '{}';
  const texts = value.elements.map((e) => (e === null ? 'NULL' : quoteElement(element.format(e))));
  let index = 0;
  const build = (dim: number): string => {
    const n = value.dims[dim] ?? 0;
    const parts: string[] = [];
    for (let i = 0; i < n; i++)
      parts.push(dim + 1 < value.dims.length ? build(dim + 1) : (texts[index++] ?? ''));
    return `{${parts.join(',')}}`;
  };
  const bounds = value.lbounds.some((b) => b !== 1)
    ? `${value.dims.map((d, i) => `[${value.lbounds[i]}:${(value.lbounds[i] ?? 1) + d - 1}]`).join('')}=`
    : '';
  return bounds + build(0);
}

function quoteElement(text: string): string {
  if (text === '' || text.toUpperCase() === 'NULL' || /[{}",\\ \t\n\r\v\f]/.test(text)) {
    return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  return text;
}

/** array_cmp: elements first (NULL sorts above values), then count, dimensions, lower bounds. */
export function compareArray(a: PgArray, b: PgArray, element: ElementCodec): number {
  const n = Math.min(a.elements.length, b.elements.length);
  for (let i = 0; i < n; i++) {
    const x = a.elements[i] ?? null;
    const y = b.elements[i] ?? null;
    if (x === null || y === null) {
      if (x === null && y === null) continue;
      return x === null ? 1 : -1;
    }
    const c = element.compare(x, y);
    if (c !== 0) return c;
  }
  if (a.elements.length !== b.elements.length) return a.elements.length < b.elements.length ? -1 : 1;
  if (a.dims.length !== b.dims.length) return a.dims.length < b.dims.length ? -1 : 1;
  for (let i = 0; i < a.dims.length; i++) {
    const d = (a.dims[i] ?? 0) - (b.dims[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
    const l = (a.lbounds[i] ?? 0) - (b.lbounds[i] ?? 0);
    if (l !== 0) return l < 0 ? -1 : 1;
  }
  return 0;
}

/** A key equal for arrays array_eq considers equal (same shape, elements equal one by one). */
export function arrayGroupKey(value: PgArray, element: ElementCodec): string {
  const items = value.elements.map((e) => (e === null ? 'N' : `V${JSON.stringify(element.groupKey(e))}`));
  return `[${value.dims.join(',')}|${value.lbounds.join(',')}]${items.join(',')}`;
}
