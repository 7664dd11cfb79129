import { describe, expect, it } from "vitest";
import { describeActivity } from "./break-glass-activity.ts";

describe("break-glass activity in plain words", () => {
  it("names reads and writes with the part of the record they touched", () => {
    expect(describeActivity({ action: "appointment.book", outcome: "success" })).toEqual({
      text: "Booked a visit",
      wrote: true,
      section: "schedule",
      tab: "appointments",
    });
    expect(describeActivity({ action: "encounter.create", outcome: "success" })).toMatchObject({
      text: "Created an encounter",
      wrote: true,
      section: "codes",
    });
    expect(describeActivity({ action: "patient.read", outcome: "success" })).toMatchObject({
      text: "Opened the patient's details",
      wrote: false,
      section: "demographics",
    });
    expect(describeActivity({ action: "fhir.patient.read", outcome: "success" }).text).toBe(
      "Opened the patient's details (FHIR)",
    );
    expect(describeActivity({ action: "record.export", outcome: "success" }).text).toBe(
      "Exported the whole record",
    );
    expect(describeActivity({ action: "allergy.create", outcome: "success" })).toMatchObject({
      text: "Created allergies",
      section: "clinical",
    });
  });

  it("opening the grant is not a write to the record", () => {
    expect(describeActivity({ action: "break-glass.open", outcome: "success" })).toMatchObject({
      text: "Opened emergency access",
      wrote: false,
    });
  });

  it("says when an attempt was refused or failed", () => {
    expect(describeActivity({ action: "care-team.grant", outcome: "denied" }).text).toBe(
      "Added someone to the care team (refused)",
    );
    expect(describeActivity({ action: "encounter.update", outcome: "failure" }).text).toBe(
      "Changed an encounter (failed)",
    );
  });

  it("lists an unknown action by its name instead of hiding it, without a link", () => {
    expect(describeActivity({ action: "something.new", outcome: "success" })).toEqual({
      text: "something.new",
      wrote: false,
      section: null,
      tab: null,
    });
    expect(describeActivity({ action: "vaccine.read", outcome: "success" })).toEqual({
      text: "Opened vaccine",
      wrote: false,
      section: null,
      tab: null,
    });
  });
});
