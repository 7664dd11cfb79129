import { smsLength } from "@salus/core/messaging/sms";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reminderSmsText } from "./reminders.ts";
import { offerSmsText } from "./waitlist-offers.ts";

/**
 * Issue 10, item 5: every SMS Salus sends fits one GSM-7 segment (160 characters), whatever the names:
 * before, a reminder ran 474-486 characters (four segments; eight with an accent, which forced UCS-2).
 */
const URL_ = "https://clinic.example.org/r/AbCdEf1234";
const longName = "María-José Ñúñez de la Peña y Hernández-Åström";
const longPlace = "Clínica Familiar São João de Deus — Ærø Øresund Straße Medical Pavilion";
const zones = ["America/Chicago", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu"];

describe("SMS templates fit one GSM-7 segment", () => {
  it("the reminder, for long names with accents, in every zone", () => {
    for (const timeZone of zones) {
      const body = reminderSmsText(
        { patientGivenName: longName, locationName: longPlace, timeZone },
        "2026-12-23T23:30:00.000Z",
        URL_,
      );
      expect(smsLength(body), body).toMatchObject({ encoding: "gsm7", segments: 1 });
      expect(body).toContain(URL_);
      expect(body).toContain("Wed Dec 23");
    }
  });

  it("the waitlist offer, for long names with accents", () => {
    const body = offerSmsText(
      { place: longPlace, name: longName },
      "Wed Dec 23 11:30 AM CST",
      "Dec 22 1:00 PM CST",
      URL_,
    );
    expect(smsLength(body), body).toMatchObject({ encoding: "gsm7", segments: 1 });
    expect(body).toContain(URL_);
    expect(body).toContain("Held until Dec 22 1:00 PM CST");
  });

  it("property: any names, any instant keep the link whole and one segment", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 120, unit: "grapheme" }),
        fc.string({ maxLength: 120, unit: "grapheme" }),
        fc.date({ min: new Date("2026-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }),
        fc.constantFrom(...zones),
        (name, place, at, timeZone) => {
          const r = reminderSmsText(
            { patientGivenName: name, locationName: place, timeZone },
            at.toISOString(),
            URL_,
          );
          const o = offerSmsText({ place, name }, "Wed Dec 23 11:30 AM CST", "11:00 AM", URL_);
          for (const body of [r, o]) {
            expect(smsLength(body)).toMatchObject({ encoding: "gsm7", segments: 1 });
            expect(body.endsWith(URL_)).toBe(true);
          }
        },
      ),
    );
  });
});
