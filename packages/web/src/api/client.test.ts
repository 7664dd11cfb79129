// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse } from "../test/render.tsx";
import { ApiError, api, getCsrfToken, setCsrfToken, setSessionEndedHandler } from "./client.ts";
import { auth } from "./endpoints.ts";

function stubFetch(...responses: Response[]) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => {
    const next = responses.shift();
    if (!next) throw new Error("unexpected request");
    return next;
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  return (init?.headers ?? {}) as Record<string, string>;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
  setSessionEndedHandler(null);
});

describe("api client", () => {
  it("sends the CSRF token from the login answer on changes, not on reads, with same-origin credentials", async () => {
    const fetchMock = stubFetch(
      jsonResponse(200, { status: "signed_in", csrfToken: "tok-123" }),
      jsonResponse(200, { items: [], total: 0 }),
      jsonResponse(201, { id: "p1" }),
    );
    await auth.login({ email: "a@b.test", password: "pw" });
    expect(getCsrfToken()).toBe("tok-123");

    await api("/api/patients", { query: { q: "smith", limit: 25, offset: 0, kind: undefined } });
    await api("/api/patients", { method: "POST", body: { givenName: "A" } });

    const [getUrl, getInit] = fetchMock.mock.calls[1]!;
    expect(getUrl).toBe("/api/patients?q=smith&limit=25&offset=0");
    expect(getInit?.credentials).toBe("same-origin");
    expect(headersOf(getInit)["x-csrf-token"]).toBeUndefined();

    const [, postInit] = fetchMock.mock.calls[2]!;
    expect(postInit?.method).toBe("POST");
    expect(postInit?.credentials).toBe("same-origin");
    expect(headersOf(postInit)["x-csrf-token"]).toBe("tok-123");
    expect(headersOf(postInit)["content-type"]).toBe("application/json");
    expect(postInit?.body).toBe(JSON.stringify({ givenName: "A" }));
  });

  it("keeps the CSRF token out of browser storage", async () => {
    stubFetch(jsonResponse(200, { status: "signed_in", csrfToken: "secret-csrf" }));
    await auth.login({ email: "a@b.test", password: "pw" });
    const stored =
      JSON.stringify({ ...globalThis.localStorage }) + JSON.stringify({ ...globalThis.sessionStorage });
    expect(stored).not.toContain("secret-csrf");
  });

  it("parses the error shape into an ApiError with code, message and field details", async () => {
    stubFetch(
      jsonResponse(400, {
        error: {
          code: "invalid_request",
          message: "The NPI is not valid.",
          requestId: "req-1",
          details: [{ path: "npi", message: "fails the check digit" }],
        },
      }),
    );
    const error = await api("/api/staff/s1", { method: "PATCH", body: { npi: "1234567890" } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe("invalid_request");
    expect(apiError.message).toBe("The NPI is not valid.");
    expect(apiError.requestId).toBe("req-1");
    expect(apiError.fieldErrors()).toEqual({ npi: "fails the check digit" });
  });

  it("gives a readable error when the body is not the error shape", async () => {
    stubFetch(
      new Response("<html>Bad gateway</html>", { status: 502, headers: { "content-type": "text/html" } }),
    );
    const error = (await api("/api/patients").catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("http_502");
    expect(error.message).toMatch(/server/i);
  });

  it("reports a network failure as an ApiError", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))),
    );
    const error = (await api("/api/patients").catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe("network_error");
  });

  it("on 401 session_expired forgets the CSRF token and calls the session-ended handler", async () => {
    setCsrfToken("old");
    const ended = vi.fn();
    setSessionEndedHandler(ended);
    stubFetch(
      jsonResponse(401, { error: { code: "session_expired", message: "Your session has expired." } }),
    );
    await expect(api("/api/patients")).rejects.toMatchObject({ code: "session_expired" });
    expect(ended).toHaveBeenCalledTimes(1);
    expect(getCsrfToken()).toBeNull();
  });

  it("does not treat a wrong password as the end of a session", async () => {
    const ended = vi.fn();
    setSessionEndedHandler(ended);
    stubFetch(
      jsonResponse(401, { error: { code: "invalid_credentials", message: "Wrong email or password." } }),
    );
    await expect(auth.login({ email: "a@b.test", password: "nope" })).rejects.toMatchObject({
      code: "invalid_credentials",
    });
    expect(ended).not.toHaveBeenCalled();
  });

  it("marks background polling so it does not extend the idle timeout", async () => {
    const fetchMock = stubFetch(jsonResponse(200, {}), jsonResponse(200, {}));
    await api("/api/auth/session", { background: true });
    await api("/api/auth/session");
    expect(headersOf(fetchMock.mock.calls[0]![1])["x-salus-background"]).toBe("1");
    expect(headersOf(fetchMock.mock.calls[1]![1])["x-salus-background"]).toBeUndefined();
  });

  it("answers undefined for 204", async () => {
    stubFetch(new Response(null, { status: 204 }));
    await expect(api("/api/tokens/t1", { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("normalises detail paths", () => {
    expect(ApiError.fieldOf({ path: "/npi", message: "x" })).toBe("npi");
    expect(ApiError.fieldOf({ path: ["licenses", 0, "state"], message: "x" })).toBe("licenses.0.state");
    expect(ApiError.fieldOf({ path: "body.email", message: "x" })).toBe("email");
    expect(ApiError.fieldOf({ message: "x" })).toBeUndefined();
  });

  it("sends an Idempotency-Key with changes only; an identical change in flight shares it, another gets its own", async () => {
    const fetchMock = stubFetch(
      jsonResponse(200, { items: [], total: 0 }),
      jsonResponse(201, { id: "p1" }),
      jsonResponse(201, { id: "p1" }),
      jsonResponse(201, { id: "p2" }),
    );
    await api("/api/patients");
    // A double click: the same change twice before the first answer.
    await Promise.all([
      api("/api/patients", { method: "POST", body: { givenName: "A" } }),
      api("/api/patients", { method: "POST", body: { givenName: "A" } }),
    ]);
    await api("/api/patients", { method: "POST", body: { givenName: "B" } });
    const keys = fetchMock.mock.calls.map(([, init]) => headersOf(init)["idempotency-key"]);
    expect(keys[0]).toBeUndefined();
    expect(keys[1]).toMatch(/\S{16,}/);
    expect(keys[2]).toBe(keys[1]);
    expect(keys[3]).toMatch(/\S{16,}/);
    expect(keys[3]).not.toBe(keys[1]);
  });

  it("retries a change once with the same key when the answer is lost to a network error", async () => {
    const responses = [jsonResponse(201, { id: "p1" })];
    const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => {
      if (fetchMock.mock.calls.length === 1) throw new TypeError("Failed to fetch");
      return responses.shift()!;
    });
    vi.stubGlobal("fetch", fetchMock);
    await expect(api("/api/patients", { method: "POST", body: { givenName: "A" } })).resolves.toEqual({
      id: "p1",
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const [first, second] = fetchMock.mock.calls.map(([, init]) => headersOf(init)["idempotency-key"]);
    expect(first).toBeTruthy();
    expect(second).toBe(first);
  });
});
