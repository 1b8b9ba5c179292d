// Reading a COPY statement's options into a CopyFormat, with PostgreSQL's defaults, and refusing the
// options Switchyard cannot split rows under (a non-UTF-8 encoding, multi-byte delimiters).
import type { Node } from 'libpg-query';
import { constText, nodeBody, stringOf, stringsOf } from '../sql/ast-nodes.js';
import type { CopyFormat } from './copy-plan.js';
import { type RefusedRoute, refused } from './refusals.js';

const UTF8_NAMES = new Set(['utf8', 'utf-8', 'unicode']);

/** The format a COPY's options describe, or the refusal of an option Switchyard cannot honour. */
export function copyFormatOf(options: readonly Node[] | undefined): CopyFormat | RefusedRoute {
  const values = new Map<string, Node | undefined>();
  for (const option of options ?? []) {
    const def = nodeBody(option, 'DefElem');
    if (def?.defname) values.set(def.defname, def.arg);
  }
  const text = (name: string) => {
    const arg = values.get(name);
    if (arg === undefined) return undefined;
    const constant = nodeBody(arg, 'A_Const');
    return stringOf(arg) ?? (constant ? (constText(constant) ?? undefined) : undefined);
  };
  const format = (text('format') ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'csv' && format !== 'binary') {
    return refused(`COPY format "${format}" not recognized`, 'use text, csv or binary', '22023');
  }
  const csv = format === 'csv';
  const encoding = text('encoding');
  if (encoding !== undefined && !UTF8_NAMES.has(encoding.toLowerCase())) {
    return refused(
      'COPY with an ENCODING other than UTF8 is not supported: Switchyard reads each row to find its shard key',
      'send the data in UTF8 and leave out ENCODING',
    );
  }
  const delimiter = text('delimiter') ?? (csv ? ',' : '\t');
  const quote = text('quote') ?? '"';
  const escapeChar = text('escape') ?? quote;
  for (const [name, value] of [
    ['delimiter', delimiter],
    ['quote', quote],
    ['escape', escapeChar],
  ] as const) {
    if (value.length !== 1 || value.charCodeAt(0) > 0x7f) {
      return refused(`COPY ${name} must be a single one-byte character`);
    }
  }
  return {
    format,
    delimiter,
    null: text('null') ?? (csv ? '' : '\\N'),
    header: headerOption(values, text('header')),
    quote,
    escape: escapeChar,
    forceNull: columnsOption(values.get('force_null')),
    forceNotNull: columnsOption(values.get('force_not_null')),
    default: text('default'),
  };
}

function headerOption(
  values: ReadonlyMap<string, Node | undefined>,
  text: string | undefined,
): boolean | 'match' {
  if (!values.has('header')) return false;
  const arg = values.get('header');
  const bool = nodeBody(arg, 'Boolean');
  if (bool) return bool.boolval === true;
  if (arg === undefined || text === undefined) return true;
  const value = text.toLowerCase();
  if (value === 'match') return 'match';
  return !['false', 'off', '0', 'no'].includes(value);
}

function columnsOption(arg: Node | undefined): readonly string[] | '*' {
  if (arg === undefined) return [];
  if ('A_Star' in arg) return '*';
  return stringsOf(nodeBody(arg, 'List')?.items);
}
