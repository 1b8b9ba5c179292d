// Quoting identifiers for SQL that Switchyard generates, as PostgreSQL's quote_ident does.

/** `name` as an SQL identifier: bare when it is a plain lowercase name, else double-quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A possibly schema-qualified name (`schema.table`) with each part quoted. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
