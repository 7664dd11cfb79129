// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse } from "../test/render.tsx";
import { api, newIdempotencyKey } from "./client.ts";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const keyOf = (init: RequestInit | undefined) =>
  ((init?.headers ?? {}) as Record<string, string>)["idempotency-key"];

describe("api client idempotency keys", () => {
  it("sends a fresh key with each change and none with reads", async () => {
    const fetchMock = vi.fn(async () => jsonResponse(201, { id: "p1" }));
    vi.stubGlobal("fetch", fetchMock);
    await api("/api/patients", { method: "POST", body: { givenName: "A" } });
    await api("/api/patients", { method: "POST", body: { givenName: "A" } });
    await api("/api/patients");
    const [a, b, c] = fetchMock.mock.calls.map((call) => keyOf((call as unknown[])[1] as RequestInit));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
    expect(c).toBeUndefined();
    expect(newIdempotencyKey()).not.toBe(newIdempotencyKey());
  });

  it("a double click shares the first click's key and waits for its answer", async () => {
    let release: (r: Response) => void = () => {};
    const calls: string[] = [];
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls.push(keyOf(init) ?? "");
      if (calls.length === 1) return new Promise<Response>((resolve) => (release = resolve));
      if (calls.length === 2)
        return jsonResponse(409, { error: { code: "idempotency_key_in_flight", message: "wait" } });
      return jsonResponse(201, { id: "p1" });
    });
    vi.stubGlobal("fetch", fetchMock);
    const first = api<{ id: string }>("/api/patients", { method: "POST", body: { givenName: "A" } });
    const second = api<{ id: string }>("/api/patients", { method: "POST", body: { givenName: "A" } });
    await new Promise((r) => setTimeout(r, 10));
    release(jsonResponse(201, { id: "p1" }));
    await expect(first).resolves.toEqual({ id: "p1" });
    await expect(second).resolves.toEqual({ id: "p1" });
    expect(calls).toHaveLength(3);
    expect(new Set(calls).size).toBe(1);
  });

  it("retries a change once with the same key after a network error", async () => {
    const keys: string[] = [];
    const fetchMock = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      keys.push(keyOf(init) ?? "");
      if (keys.length === 1) throw new TypeError("Failed to fetch");
      return jsonResponse(201, { id: "p1" });
    });
    vi.stubGlobal("fetch", fetchMock);
    await expect(
      api("/api/patients", { method: "POST", body: {}, idempotencyKey: "form-1" }),
    ).resolves.toEqual({
      id: "p1",
    });
    expect(keys).toEqual(["form-1", "form-1"]);
  });

  it("gives up with network_error when the retry fails too", async () => {
    const fetchMock = vi.fn(async () => Promise.reject(new TypeError("Failed to fetch")));
    vi.stubGlobal("fetch", fetchMock);
    await expect(api("/api/patients", { method: "POST", body: {} })).rejects.toMatchObject({
      code: "network_error",
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
