import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { type BoardQuery, boardKey, boardStreamUrl, type FlowBoard } from "./api.ts";

/** How often the board is fetched while the stream is down. */
export const POLL_WHILE_STREAM_DOWN_MS = 30_000;

export type StreamState = "connecting" | "live" | "down";

/**
 * Keeps the board fresh from the server's `event: board` stream: each event carrying a new dayVersion
 * refetches the board. While the stream is down (server restarted, proxy cut it, no EventSource), the
 * caller polls instead: the answer's `pollMs` is the refetch interval to use, or false while live.
 */
export function useBoardStream(q: BoardQuery | null): { state: StreamState; pollMs: number | false } {
  const queryClient = useQueryClient();
  const [state, setState] = useState<StreamState>("connecting");
  const locationId = q?.locationId;
  const date = q?.date;

  useEffect(() => {
    if (!locationId || !date) return;
    if (typeof EventSource === "undefined") {
      setState("down");
      return;
    }
    const key = boardKey({ locationId, date });
    setState("connecting");
    const source = new EventSource(boardStreamUrl({ locationId, date }));
    let wasDown = false;
    const refetch = () => void queryClient.invalidateQueries({ queryKey: key });
    source.addEventListener("open", () => {
      setState("live");
      // Changes made while the stream was down were not pushed: catch up once.
      if (wasDown) refetch();
      wasDown = false;
    });
    source.addEventListener("board", (event) => {
      let version: string | undefined;
      try {
        version = (JSON.parse((event as MessageEvent<string>).data) as { dayVersion?: string }).dayVersion;
      } catch {
        version = undefined;
      }
      // The first event carries the version the board was just loaded at: only a different one refetches
      // (while the first load is still running there is nothing to refresh yet).
      const shown = queryClient.getQueryData<FlowBoard>(key)?.dayVersion;
      if (shown !== undefined && version !== shown) refetch();
    });
    source.addEventListener("error", () => {
      // EventSource retries by itself; meanwhile the board polls so nothing is missed.
      wasDown = true;
      setState("down");
    });
    return () => source.close();
  }, [locationId, date, queryClient]);

  return { state, pollMs: state === "live" ? false : POLL_WHILE_STREAM_DOWN_MS };
}
