import { useCallback, useState } from "react";
import { ApiError } from "../api/client.ts";
import { errorMessage } from "./QueryState.tsx";

export interface ServerErrors {
  /** Messages for fields the server named in `details`. */
  fields: Record<string, string>;
  /** The message to show above the form (when no field was named, or for other errors). */
  form: string | null;
  set: (error: unknown) => void;
  clear: () => void;
  clearField: (field: string) => void;
}

/**
 * Turns an API error into messages next to the fields it names (`details: [{ path, message }]`)
 * and a form-level message otherwise. `known` lists the fields the form shows.
 */
export function useServerErrors(known: readonly string[]): ServerErrors {
  const [fields, setFields] = useState<Record<string, string>>({});
  const [form, setForm] = useState<string | null>(null);

  const set = useCallback(
    (error: unknown) => {
      if (error instanceof ApiError) {
        const byField = error.fieldErrors();
        const shown: Record<string, string> = {};
        const unshown: string[] = [];
        for (const [field, message] of Object.entries(byField)) {
          const match = known.find((name) => field === name || field.startsWith(`${name}.`));
          if (match && shown[match] === undefined) shown[match] = message;
          else unshown.push(message);
        }
        setFields(shown);
        const anyShown = Object.keys(shown).length > 0;
        setForm(anyShown ? (unshown.length ? unshown.join(" ") : null) : error.message);
        return;
      }
      setFields({});
      setForm(errorMessage(error));
    },
    [known],
  );

  const clear = useCallback(() => {
    setFields({});
    setForm(null);
  }, []);

  const clearField = useCallback((field: string) => {
    setFields((current) => {
      if (!(field in current)) return current;
      const { [field]: _removed, ...rest } = current;
      return rest;
    });
  }, []);

  return { fields, form, set, clear, clearField };
}
