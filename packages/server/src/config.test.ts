import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.ts";

describe("SALUS_DEMO_TIME_ZONE (the demo practice's clinics' zone)", () => {
  it("defaults to America/Chicago and takes any IANA zone", () => {
    expect(loadConfig({}).demoTimeZone).toBe("America/Chicago");
    expect(loadConfig({ SALUS_DEMO_TIME_ZONE: "Europe/Berlin" }).demoTimeZone).toBe("Europe/Berlin");
  });

  it("refuses a name that is not a zone, with the variable and the value in the message", () => {
    expect(() => loadConfig({ SALUS_DEMO_TIME_ZONE: "Mars/Olympus_Mons" })).toThrow(
      /SALUS_DEMO_TIME_ZONE must be an IANA time zone.*Mars\/Olympus_Mons/,
    );
  });
});
