import { useCallback, useMemo, useRef } from "react";
import { useSearchParams } from "react-router-dom";

/**
 * How one search parameter is read from and written to the address. `parse` never throws: a value
 * typed or pasted by hand that does not fit falls back to the default, so a stale link still opens.
 * `format` gives null for the default, which keeps it out of the address (one URL per view).
 */
export interface UrlParam<T> {
  // Method syntax on purpose: it lets a UrlParam<"a" | "b"> stand in a schema of UrlParam<unknown>.
  parse(raw: string | null): T;
  format(value: T): string | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Codecs for the usual kinds of list state: filters, search text, dates, switches and paging. */
export const urlParam = {
  /** Free text (search); "" is the default and is left out of the address. */
  text: (fallback = ""): UrlParam<string> => ({
    parse: (raw) => raw ?? fallback,
    format: (value) => (value === fallback || value === "" ? null : value),
  }),
  /** One of a fixed list (a status filter, a view); anything else reads as the fallback. */
  oneOf: <const V extends string>(values: readonly V[], fallback: V): UrlParam<V> => ({
    parse: (raw) => (values.includes(raw as V) ? (raw as V) : fallback),
    format: (value) => (value === fallback ? null : value),
  }),
  /** An optional id or free value: null when absent. */
  optional: (): UrlParam<string | null> => ({
    parse: (raw) => (raw === null || raw === "" ? null : raw),
    format: (value) => (value === null || value === "" ? null : value),
  }),
  /** A plain date (YYYY-MM-DD) or null; a malformed one reads as null. */
  date: (): UrlParam<string | null> => ({
    parse: (raw) => (raw !== null && DATE.test(raw) ? raw : null),
    format: (value) => value,
  }),
  /** A switch, written as `1` when on. */
  flag: (): UrlParam<boolean> => ({
    parse: (raw) => raw === "1",
    format: (value) => (value ? "1" : null),
  }),
  /** A page number from 1; 0, negatives and junk read as 1, and page 1 is left out of the address. */
  page: (): UrlParam<number> => ({
    parse: (raw) => {
      const n = Number(raw ?? "1");
      return Number.isInteger(n) && n >= 1 ? n : 1;
    },
    format: (value) => (value > 1 ? String(value) : null),
  }),
};

export type UrlSchema = Record<string, UrlParam<unknown>>;
export type UrlValues<S extends UrlSchema> = { [K in keyof S]: S[K] extends UrlParam<infer T> ? T : never };

/** Applies raw changes to search params: null or "" removes a key. Pure, so it is tested alone. */
export function applyParamChanges(
  current: URLSearchParams,
  changes: Record<string, string | null>,
): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(key);
    else next.set(key, value);
  }
  return next;
}

/**
 * The raw search params and an `update(changes)` that sets or removes keys while keeping the others.
 * It replaces the history entry (filters and paging should not fill Back with every click). React
 * Router's own functional update starts from the params of the last render, so two updates in one
 * event would drop the first; `update` starts from the latest one it wrote instead.
 */
export function useUrlParams(): [URLSearchParams, (changes: Record<string, string | null>) => void] {
  const [params, setParams] = useSearchParams();
  const latest = useRef(params);
  latest.current = params;
  const update = useCallback(
    (changes: Record<string, string | null>) => {
      const next = applyParamChanges(latest.current, changes);
      latest.current = next;
      setParams(next, { replace: true });
    },
    [setParams],
  );
  return [params, update];
}

/**
 * Typed state kept in the address's search params, so Back, reload and a shared link show the same
 * list. `schema` names each key with its codec (see `urlParam`); keep it a module constant or memoize
 * it. `set` changes some keys and leaves the rest; a value equal to its default leaves the address.
 */
export function useUrlState<S extends UrlSchema>(
  schema: S,
): [UrlValues<S>, (changes: Partial<UrlValues<S>>) => void] {
  const [params, update] = useUrlParams();
  const values = useMemo(() => {
    const out: Record<string, unknown> = {};
    for (const [name, codec] of Object.entries(schema)) out[name] = codec.parse(params.get(name));
    return out as UrlValues<S>;
  }, [params, schema]);
  const set = useCallback(
    (changes: Partial<UrlValues<S>>) => {
      const raw: Record<string, string | null> = {};
      for (const [name, value] of Object.entries(changes)) {
        const codec = schema[name];
        if (codec) raw[name] = codec.format(value);
      }
      update(raw);
    },
    [schema, update],
  );
  return [values, set];
}
