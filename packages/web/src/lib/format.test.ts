import { describe, expect, it } from "vitest";
import { daysUntil, expiryStatus, formatDate, normalizeSearch, personName } from "./format.ts";

describe("format", () => {
  it("shows plain dates without shifting them across time zones", () => {
    expect(formatDate("2026-01-01")).toBe("Jan 1, 2026");
    expect(formatDate(null)).toBe("");
  });

  it("counts days between calendar dates", () => {
    expect(daysUntil("2026-12-01", "2026-11-27")).toBe(4);
    expect(daysUntil("2026-11-26", "2026-11-27")).toBe(-1);
  });

  it("classifies licence expiry: expired, within 60 days, or fine", () => {
    const today = "2026-11-27";
    expect(expiryStatus("2026-11-26", today)).toBe("expired");
    expect(expiryStatus("2026-11-27", today)).toBe("expiring");
    expect(expiryStatus("2027-01-26", today)).toBe("expiring");
    expect(expiryStatus("2027-01-27", today)).toBe("valid");
    expect(expiryStatus(null, today)).toBe("unknown");
  });

  it("turns a US date typed in the search into the API's date form", () => {
    expect(normalizeSearch(" 3/7/1980 ")).toBe("1980-03-07");
    expect(normalizeSearch("Smith")).toBe("Smith");
  });

  it("writes names family name first", () => {
    expect(personName({ givenName: "Ada", familyName: "Lovelace" })).toBe("Lovelace, Ada");
  });
});
