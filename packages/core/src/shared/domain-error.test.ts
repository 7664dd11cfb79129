import { describe, expect, it } from "vitest";
import { DomainError, notFound } from "./domain-error.ts";

describe("DomainError", () => {
  it("carries a code, a message and details", () => {
    const e = new DomainError("invalid_request", "Bad NPI.", [{ path: "npi", message: "check digit" }]);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("DomainError");
    expect(e.code).toBe("invalid_request");
    expect(e.message).toBe("Bad NPI.");
    expect(e.details).toEqual([{ path: "npi", message: "check digit" }]);
    expect(new DomainError("forbidden", "No.").details).toEqual([]);
  });

  it("notFound answers the same whether the record is missing or someone else's", () => {
    const e = notFound("patient");
    expect(e.code).toBe("not_found");
    expect(e.message).toBe("No patient with that id.");
  });
});
