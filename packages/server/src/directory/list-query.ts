import { type Expression, type SqlBool, sql } from "kysely";

/** Paging and search text shared by every list. */
export interface ListQuery {
  q?: string | undefined;
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/**
 * A lower-cased LIKE pattern matching `term` anywhere, with LIKE's wildcards in the term escaped (use it
 * with `lowerLike`, which declares the escape character). The wildcards used to be stripped instead, so a
 * search for `_`, `%` or `\` became `%%` and listed every record (found by http/bad-input.int.test.ts).
 */
export function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[%_\\]/g, "\\$&")}%`;
}

/** `lower(column) LIKE pattern ESCAPE '\'`, the same on SQLite (no default escape) and PostgreSQL. */
export function lowerLike(column: string, pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
