import { describe, expect, it } from "vitest";
import { responseInWords } from "./AppointmentResponses.tsx";

describe("responseInWords", () => {
  const at = "2026-03-09T15:02:00.000Z";
  it("says who, when and through which link", () => {
    const text = responseInWords(
      { kind: "reminder-confirmed", by: "patient", via: "sms-link", link: "/r/Ab3dE6gH9k", version: 2, at },
      "America/Chicago",
      2,
    );
    expect(text).toMatch(
      /^Reminder confirmed by the patient, .*10:02.*, through the link in the SMS \(\/r\/Ab3dE6gH9k\)$/,
    );
  });
  it("names the staff member for a front-desk acceptance, and says when the visit changed since", () => {
    const text = responseInWords(
      { kind: "offer-accepted", by: "Dana Desk", via: "staff", link: null, version: 1, at },
      "America/Chicago",
      2,
    );
    expect(text).toMatch(
      /^Waitlist offer accepted by Dana Desk, .*, at the front desk; the visit has changed since$/,
    );
  });
  it("never shows a full link's query (signature) to the desk", () => {
    const text = responseInWords(
      {
        kind: "reminder-confirmed",
        by: "patient",
        via: "email-link",
        link: "/r/abc?action=confirm&v=1",
        version: 1,
        at,
      },
      "UTC",
      1,
    );
    expect(text).toContain("(/r/abc)");
  });
});
