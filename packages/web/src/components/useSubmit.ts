import { type QueryKey, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useCallback, useMemo, useRef, useState } from "react";
import { notifySuccess } from "./notify.ts";
import { type ServerErrors, useServerErrors } from "./useServerErrors.ts";

export interface SubmitOptions<I, R> {
  /** The call to the server. */
  action: (input: I) => Promise<R>;
  /** The fields the form shows: server errors naming them appear beside them, the rest above the form. */
  fields?: readonly string[];
  /** Queries to refetch after success, before `onSuccess` runs (so a list is fresh when a dialog closes). */
  invalidate?: readonly QueryKey[];
  /** The success notification; none when left out. */
  success?: string | ((result: R) => string);
  /** Runs after success (close a dialog, navigate). */
  onSuccess?: (result: R, input: I) => void | Promise<void>;
}

export interface Submit<I, R> {
  /**
   * Sends `input` once: a second call while the first is in flight is ignored (a double click or
   * Enter pressed twice must not record a decision twice). Resolves to the result, or undefined when
   * it failed (the errors are in `errors`) or was ignored.
   */
  run: (input: I) => Promise<R | undefined>;
  /**
   * A form `onSubmit` handler: prevents the page load and runs with what `input()` returns at that
   * moment (nothing when the action reads the form's state itself).
   */
  onSubmit: (input?: () => I) => (event?: FormEvent) => void;
  /** True from the call until the answer (and the invalidated queries) are in. */
  pending: boolean;
  errors: ServerErrors;
}

/**
 * One form submit: pending state, no double submit, server errors mapped to the form's fields, the
 * queries to refresh and a success notification. Replaces the `busy` flag + try/catch + `errors.set`
 * + `notifySuccess` that each form used to write out.
 */
export function useSubmit<I, R>(options: SubmitOptions<I, R>): Submit<I, R> {
  const queryClient = useQueryClient();
  // One array per set of names: an inline `fields: [...]` must not give `errors.set` a new identity each render.
  const fieldsKey = (options.fields ?? []).join("\n");
  const known = useMemo(() => (fieldsKey === "" ? [] : fieldsKey.split("\n")), [fieldsKey]);
  const errors = useServerErrors(known);
  const [pending, setPending] = useState(false);
  // A ref, not the state: two clicks in the same tick both see `pending` false before React re-renders.
  const inFlight = useRef(false);
  // The latest options, so `run` keeps one identity while the form re-renders with new closures.
  const latest = useRef(options);
  latest.current = options;
  const { set: setErrors, clear: clearErrors } = errors;

  const run = useCallback(
    async (input: I): Promise<R | undefined> => {
      if (inFlight.current) return undefined;
      inFlight.current = true;
      setPending(true);
      clearErrors();
      const { action, invalidate, success, onSuccess } = latest.current;
      try {
        const result = await action(input);
        await Promise.all((invalidate ?? []).map((queryKey) => queryClient.invalidateQueries({ queryKey })));
        if (success !== undefined) notifySuccess(typeof success === "function" ? success(result) : success);
        await onSuccess?.(result, input);
        return result;
      } catch (error) {
        setErrors(error);
        return undefined;
      } finally {
        inFlight.current = false;
        setPending(false);
      }
    },
    [queryClient, setErrors, clearErrors],
  );

  const onSubmit = useCallback(
    (input?: () => I) => (event?: FormEvent) => {
      event?.preventDefault();
      void run(input ? input() : (undefined as I));
    },
    [run],
  );

  return { run, onSubmit, pending, errors };
}
