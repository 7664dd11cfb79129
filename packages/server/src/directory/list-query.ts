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

/** A lower-cased LIKE pattern matching `term` anywhere, with LIKE's wildcards in the term escaped. */
export function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[%_\\]/g, "")}%`;
}
