// Reading shard key values and key columns out of expressions. Only forms whose value Switchyard can
// know exactly count: a literal, a parameter, or either cast to a shard key type. Anything else (a
// function call, arithmetic, a COLLATE that may compare case-insensitively) is not a key.
import type { Node, TypeName } from 'libpg-query';
import type { KeyType } from '../keyspace/key-type.js';
import { constText, stringOf, stringsOf } from '../sql/ast-nodes.js';
import type { KeySource } from './route-plan.js';

const KEY_TYPE_NAMES: Readonly<Record<string, KeyType>> = {
  int2: 'int2',
  smallint: 'int2',
  int4: 'int4',
  int: 'int4',
  integer: 'int4',
  int8: 'int8',
  bigint: 'int8',
  text: 'text',
  varchar: 'varchar',
  uuid: 'uuid',
};

/** The shard key type a cast names (`::bigint`, `CAST(… AS uuid)`), or undefined for any other type. */
export function castKeyType(typeName: TypeName | undefined): KeyType | undefined {
  if (!typeName || (typeName.arrayBounds?.length ?? 0) > 0 || typeName.setof || typeName.pct_type) {
    return undefined;
  }
  const names = stringsOf(typeName.names);
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  if (schema !== undefined && schema !== 'pg_catalog') return undefined;
  const last = names[names.length - 1] ?? '';
  return Object.hasOwn(KEY_TYPE_NAMES, last) ? KEY_TYPE_NAMES[last] : undefined;
}

function isIntegerType(type: KeyType): boolean {
  return type === 'int2' || type === 'int4' || type === 'int8';
}

/**
 * The key value an expression stands for: a literal, `$n`, or one of them cast to a shard key type
 * (`$1::int8`, `'42'::bigint`, `CAST($1 AS uuid)`). A literal with a fraction cast to an integer type
 * is not a key: PostgreSQL rounds it, and routing by the unrounded text would be wrong.
 */
export function keySourceOf(node: Node | undefined): KeySource | undefined {
  if (node === undefined) return undefined;
  if ('A_Const' in node) {
    const value = node.A_Const;
    if (value.boolval !== undefined || value.bsval !== undefined) return undefined;
    return { kind: 'const', value: constText(value) };
  }
  if ('ParamRef' in node) {
    const index = node.ParamRef.number ?? 0;
    return index > 0 ? { kind: 'param', index } : undefined;
  }
  if ('TypeCast' in node) {
    const type = castKeyType(node.TypeCast.typeName);
    if (type === undefined) return undefined;
    const arg = node.TypeCast.arg;
    if (arg && 'A_Const' in arg && arg.A_Const.fval !== undefined && isIntegerType(type)) return undefined;
    return keySourceOf(arg);
  }
  return undefined;
}

/** A column an expression names, with the key type it is cast to when it is cast. */
export interface ColumnMention {
  /** The name parts as written: `[column]`, `[table, column]` or `[schema, table, column]`. */
  readonly fields: readonly string[];
  /** The type of a cast around the column (`id::int8`): the comparison is still on the key only when it is the key's own type. */
  readonly cast: KeyType | 'other' | undefined;
}

/** The column `node` names (a ColumnRef, possibly cast), or undefined. */
export function columnOf(node: Node | undefined): ColumnMention | undefined {
  if (node === undefined) return undefined;
  if ('ColumnRef' in node) {
    const fields = node.ColumnRef.fields ?? [];
    const names: string[] = [];
    for (const field of fields) {
      const name = stringOf(field);
      if (name === undefined) return undefined; // `t.*`
      names.push(name);
    }
    return names.length > 0 ? { fields: names, cast: undefined } : undefined;
  }
  if ('TypeCast' in node) {
    const inner = columnOf(node.TypeCast.arg);
    if (!inner || inner.cast !== undefined) return undefined;
    return { fields: inner.fields, cast: castKeyType(node.TypeCast.typeName) ?? 'other' };
  }
  return undefined;
}

/** True when comparing `column::cast` equals comparing the column itself, for a key of type `keyType`. */
export function castKeepsKey(cast: ColumnMention['cast'], keyType: KeyType | undefined): boolean {
  if (cast === undefined) return true;
  if (cast === 'other' || keyType === undefined) return false;
  if (cast === keyType) return true;
  const textual = (t: KeyType) => t === 'text' || t === 'varchar';
  return textual(cast) && textual(keyType);
}
