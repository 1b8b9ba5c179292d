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

/**
 * The key value an expression stands for: a literal, `$n`, or one of them cast to a shard key type
 * (`$1::int8`, `'42'::bigint`, `CAST($1 AS uuid)`). A numeric literal with a fraction or exponent is
 * not a key: PostgreSQL compares or casts it numerically (`3.5::int8` is 4), so its text is not the key.
 */
export function keySourceOf(node: Node | undefined): KeySource | undefined {
  if (node === undefined) return undefined;
  if ('A_Const' in node) {
    const value = node.A_Const;
    if (value.boolval !== undefined || value.bsval !== undefined) return undefined;
    // Integers too large for int4 arrive as numeric literals; a fraction or exponent (`5.0`, `1e3`)
    // compares numerically in PostgreSQL, so its text is not the key's text.
    if (value.fval !== undefined && !/^-?\d+$/.test(value.fval.fval ?? '')) return undefined;
    return { kind: 'const', value: constText(value) };
  }
  if ('ParamRef' in node) {
    const index = node.ParamRef.number ?? 0;
    return index > 0 ? { kind: 'param', index } : undefined;
  }
  if ('TypeCast' in node) {
    const type = castKeyType(node.TypeCast.typeName);
    if (type === undefined) return undefined;
    return keySourceOf(node.TypeCast.arg);
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
