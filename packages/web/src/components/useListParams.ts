import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { urlParam, useUrlParams } from "./useUrlState.ts";

/**
 * Search text and page kept in the address (so Back returns to the same list), with the typed text
 * debounced before it reaches the query.
 */
export function useListParams(pageSize: number, extraKeys: readonly string[] = []) {
  const [params, update] = useUrlParams();
  const [input, setInput] = useState(params.get("q") ?? "");
  const [debounced] = useDebouncedValue(input, 300);
  const page = urlParam.page().parse(params.get("page"));

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
