// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, cleanup, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { boardKey } from "./api.ts";
import { POLL_WHILE_STREAM_DOWN_MS, useBoardStream } from "./useBoardStream.ts";

/** A stand-in EventSource the test drives by hand. */
class FakeEventSource {
  static last: FakeEventSource | null = null;
  readonly url: string;
  closed = false;
  private listeners = new Map<string, ((event: Event) => void)[]>();
  constructor(url: string) {
    this.url = url;
    FakeEventSource.last = this;
  }
  addEventListener(type: string, fn: (event: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data?: string) {
    const event = data === undefined ? new Event(type) : new MessageEvent(type, { data });
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }
}

const q = { locationId: "L1", date: "2026-11-27" };

function setup() {
  const queryClient = new QueryClient();
  queryClient.setQueryData(boardKey(q), { dayVersion: "v1" });
  const invalidate = vi.spyOn(queryClient, "invalidateQueries");
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  const hook = renderHook(() => useBoardStream(q), { wrapper });
  return { hook, invalidate, source: FakeEventSource.last! };
}

beforeEach(() => {
  vi.stubGlobal("EventSource", FakeEventSource);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("useBoardStream", () => {
  it("listens to the location-day's stream and refetches only when the day's version changes", () => {
    const { hook, invalidate, source } = setup();
    expect(source.url).toBe("/api/flow/board/stream?locationId=L1&date=2026-11-27");
    act(() => source.emit("open"));
    expect(hook.result.current).toEqual({ state: "live", pollMs: false });

    act(() => source.emit("board", JSON.stringify({ dayVersion: "v1" })));
    expect(invalidate).not.toHaveBeenCalled();
    act(() => source.emit("board", JSON.stringify({ dayVersion: "v2" })));
    expect(invalidate).toHaveBeenCalledWith({ queryKey: boardKey(q) });
  });

  it("polls every 30 seconds while the stream is down, and catches up once it is back", () => {
    const { hook, invalidate, source } = setup();
    act(() => source.emit("open"));
    act(() => source.emit("error"));
    expect(hook.result.current).toEqual({ state: "down", pollMs: POLL_WHILE_STREAM_DOWN_MS });
    expect(POLL_WHILE_STREAM_DOWN_MS).toBe(30_000);
    act(() => source.emit("open"));
    expect(hook.result.current.pollMs).toBe(false);
    expect(invalidate).toHaveBeenCalledTimes(1);
  });

  it("closes the stream when the page leaves", () => {
    const { hook, source } = setup();
    hook.unmount();
    expect(source.closed).toBe(true);
  });

  it("polls when the browser has no EventSource", () => {
    vi.stubGlobal("EventSource", undefined);
    const queryClient = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    );
    const hook = renderHook(() => useBoardStream(q), { wrapper });
    expect(hook.result.current.pollMs).toBe(30_000);
  });
});
