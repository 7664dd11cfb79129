import { useCallback, useState } from "react";

export type FormValues = Record<string, string | boolean>;

/** Form state for simple forms: text fields are strings ("" for empty), switches are booleans. */
export function useFormState<T extends FormValues>(initial: T) {
  const [values, setValues] = useState<T>(initial);
  const set = useCallback(<K extends keyof T>(key: K, value: T[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
  }, []);
  return { values, set, reset: setValues };
}

/**
 * The body to send: only fields that differ from `original`, with empty text as null for the
 * fields listed in `nullable` (optional fields) and trimmed text otherwise.
 */
export function changes<T extends FormValues>(
  original: T | null,
  values: T,
  nullable: readonly (keyof T)[] = [],
): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  for (const key of Object.keys(values) as (keyof T & string)[]) {
    const value = values[key] as string | boolean;
    if (original && original[key] === value) continue;
    if (typeof value === "string") {
      const trimmed = value.trim();
      if (original && typeof original[key] === "string" && (original[key] as string).trim() === trimmed)
        continue;
      out[key] = trimmed === "" && nullable.includes(key) ? null : trimmed;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** null/undefined → "" for a text field. */
export function text(value: string | null | undefined): string {
  return value ?? "";
}
