import { describe, expect, it } from "vitest";
import { npiWithCheckDigit } from "../directory/npi.ts";
import { type BillingIdentity, billingIdentityErrors, billingIdentityMissing } from "./billing-identity.ts";

const complete: BillingIdentity = {
  billingName: "Demo Family Practice",
  billingNpi: npiWithCheckDigit("123456789"),
  taxId: "741234567",
  taxonomy: "207Q00000X",
  addressLine1: "100 Congress Ave",
  city: "Austin",
  state: "TX",
  postalCode: "787011234",
  phone: "5125550100",
  submitterId: "SALUSDEMO",
  submitterContactName: "Billing Office",
  submitterContactEmail: "billing@demo.example",
  receiverId: "CLEARINGHOUSE",
  receiverName: "Demo Clearinghouse",
};

describe("billing identity", () => {
  it("complete settings have neither errors nor missing fields", () => {
    expect(billingIdentityErrors(complete)).toEqual([]);
    expect(billingIdentityMissing(complete)).toEqual([]);
  });

  it("refuses a wrong NPI check digit, a short tax id, a bad taxonomy, ZIP or phone", () => {
    const npi = complete.billingNpi!;
    const wrong = `${npi.slice(0, 9)}${(Number(npi[9]) + 1) % 10}`;
    const errors = billingIdentityErrors({
      ...complete,
      billingNpi: wrong,
      taxId: "12345",
      taxonomy: "207Q",
      postalCode: "7870",
      phone: "555",
      submitterContactEmail: "nobody",
    });
    expect(errors.map((e) => e.path)).toEqual([
      "billingNpi",
      "taxId",
      "taxonomy",
      "postalCode",
      "phone",
      "submitterContactEmail",
    ]);
    expect(errors[0]!.message).toContain(wrong);
  });

  it("lists what a claim or a batch still needs, including the 9-digit ZIP of loop 2010AA", () => {
    const missing = billingIdentityMissing({
      ...complete,
      taxId: null,
      postalCode: "78701",
      receiverId: null,
    });
    expect(missing.map((m) => m.path)).toEqual(["taxId", "postalCode", "receiverId"]);
    expect(missing[1]!.message).toMatch(/9 digits/);
  });
});
