// Statements the README says Switchyard refuses (SQLSTATE 0A000) rather than answer wrongly.
export const refusedStatements: readonly string[] = ["SELECT string_agg(name, ',') FROM customers"];
