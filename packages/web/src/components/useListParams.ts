import { useDebouncedValue } from "@mantine/hooks";
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";

/**
 * Search text and page kept in the address (so Back returns to the same list), with the typed text
 * debounced before it reaches the query.
 */
export function useListParams(pageSize: number, extraKeys: readonly string[] = []) {
  const [params, setParams] = useSearchParams();
  const [input, setInput] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(input, 300);
  const page = Math.max(1, Number(params.get("page") ?? "1") || 1);

  const update = useCallback(
    (changes: Record<string, string | null>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === "") next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  useEffect(() => {
    if ((params.get("q") ?? "") !== debounced.trim()) update({ q: debounced.trim(), page: null });
  }, [debounced, params, update]);

  const extras = Object.fromEntries(extraKeys.map((key) => [key, params.get(key) ?? ""]));

  return {
    input,
    setInput,
    q: params.get("q") ?? "",
    page,
    offset: (page - 1) * pageSize,
    setPage: (value: number) => update({ page: value > 1 ? String(value) : null }),
    extras,
    setExtra: (key: string, value: string) => update({ [key]: value, page: null }),
  };
}
