// @vitest-environment jsdom
import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { applyParamChanges, urlParam, useUrlState } from "./useUrlState.ts";

const SCHEMA = {
  status: urlParam.oneOf(["pending", "accepted", "denied"], "pending"),
  q: urlParam.text(),
  page: urlParam.page(),
  date: urlParam.date(),
  cancelled: urlParam.flag(),
  location: urlParam.optional(),
};

function setup(route: string) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
  );
  return renderHook(
    () => {
      const [state, set] = useUrlState(SCHEMA);
      return { state, set, search: useLocation().search };
    },
    { wrapper },
  );
}

describe("urlParam", () => {
  it("reads what does not fit as the default instead of failing", () => {
    expect(urlParam.oneOf(["a", "b"], "a").parse("zzz")).toBe("a");
    expect(urlParam.page().parse("0")).toBe(1);
    expect(urlParam.page().parse("-3")).toBe(1);
    expect(urlParam.page().parse("2.5")).toBe(1);
    expect(urlParam.page().parse("abc")).toBe(1);
    expect(urlParam.page().parse("7")).toBe(7);
    expect(urlParam.date().parse("2026-13")).toBeNull();
    expect(urlParam.date().parse("2026-12-07")).toBe("2026-12-07");
    expect(urlParam.flag().parse("yes")).toBe(false);
    expect(urlParam.optional().parse("")).toBeNull();
  });

  it("leaves defaults out of the address", () => {
    expect(urlParam.oneOf(["a", "b"], "a").format("a")).toBeNull();
    expect(urlParam.page().format(1)).toBeNull();
    expect(urlParam.flag().format(false)).toBeNull();
    expect(urlParam.text().format("")).toBeNull();
  });
});

describe("applyParamChanges", () => {
  it("sets and removes keys and keeps the others", () => {
    const next = applyParamChanges(new URLSearchParams("a=1&b=2&c=3"), { a: "9", b: null, c: "", d: "4" });
    expect(next.toString()).toBe("a=9&d=4");
  });
});

describe("useUrlState", () => {
  it("reads typed values from the address, with defaults for missing and malformed keys", () => {
    const { result } = setup("/list?status=denied&page=3&date=nope&cancelled=1&extra=x");
    expect(result.current.state).toEqual({
      status: "denied",
      q: "",
      page: 3,
      date: null,
      cancelled: true,
      location: null,
    });
  });

  it("writes changes, drops defaults and leaves keys it does not own", () => {
    const { result } = setup("/list?status=denied&page=3&extra=x");
    act(() => result.current.set({ status: "pending", page: 1, q: "smith" }));
    const params = new URLSearchParams(result.current.search);
    expect(params.get("status")).toBeNull();
    expect(params.get("page")).toBeNull();
    expect(params.get("q")).toBe("smith");
    expect(params.get("extra")).toBe("x");
    expect(result.current.state.status).toBe("pending");
    expect(result.current.state.q).toBe("smith");
  });

  it("keeps both of two updates made in one event", () => {
    const { result } = setup("/list");
    act(() => {
      result.current.set({ status: "accepted" });
      result.current.set({ page: 2 });
    });
    expect(result.current.state.status).toBe("accepted");
    expect(result.current.state.page).toBe(2);
  });

  it("returns the same values object while the address does not change", () => {
    const { result, rerender } = setup("/list?status=denied");
    const first = result.current.state;
    rerender();
    expect(result.current.state).toBe(first);
  });
});
