import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/domain-error.ts";
import {
  CLAIM_ACTIONS,
  CLAIM_STATUSES,
  type ClaimStatus,
  claimActionsFrom,
  isUnsentClaim,
  nextClaimStatus,
  requireClaimMove,
} from "./claim-status.ts";

/** Every (from, to) pair the table allows, written out by hand: the table must say exactly this. */
const ALLOWED: Record<ClaimStatus, ClaimStatus[]> = {
  draft: ["scrubbed", "ready", "closed"],
  scrubbed: ["scrubbed", "ready", "draft", "closed"],
  ready: ["scrubbed", "ready", "draft", "submitted", "closed"],
  rejected: ["scrubbed", "ready", "draft", "closed"],
  submitted: ["accepted", "rejected", "paid", "denied", "closed"],
  accepted: ["rejected", "paid", "denied", "closed"],
  paid: ["closed"],
  denied: ["paid", "closed"],
  closed: [],
};

describe("claim status table", () => {
  it("allows exactly the moves written out by hand", () => {
    for (const from of CLAIM_STATUSES) {
      const reached = new Set(claimActionsFrom(from).map((a) => nextClaimStatus(from, a)));
      expect([...reached].sort()).toEqual([...ALLOWED[from]].sort());
    }
  });

  it("no sequence of actions from a draft makes a move the table does not allow; refusals change nothing", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CLAIM_ACTIONS), { maxLength: 40 }), (actions) => {
        let current: ClaimStatus = "draft";
        let sent = false;
        for (const a of actions) {
          const next = nextClaimStatus(current, a);
          if (next === null) {
            expect(claimActionsFrom(current)).not.toContain(a);
            continue;
          }
          expect(ALLOWED[current]).toContain(next);
          expect(requireClaimMove(current, next)).toBeTruthy();
          // Once a claim has reached the payer it never becomes editable again except through a
          // rejection (the payer refused it before adjudication).
          if (next === "submitted") sent = true;
          if (sent && isUnsentClaim(next)) expect(next).toBe("rejected");
          if (next === "rejected") sent = false;
          current = next;
        }
        // closed is final
        if (current === "closed") expect(claimActionsFrom("closed")).toEqual([]);
      }),
    );
  });

  it("refuses a move the table does not allow with a conflict naming the status", () => {
    expect(() => requireClaimMove("draft", "submitted")).toThrow(DomainError);
    try {
      requireClaimMove("paid", "draft");
    } catch (e) {
      expect((e as DomainError).code).toBe("conflict");
      expect((e as DomainError).message).toContain("paid");
    }
    expect(() => requireClaimMove("closed", "draft")).toThrow(/closed/);
  });

  it("answers the action each allowed move stands for", () => {
    expect(requireClaimMove("ready", "submitted")).toBe("submit");
    expect(requireClaimMove("draft", "ready")).toBe("scrub-clean");
    expect(requireClaimMove("rejected", "draft")).toBe("edit");
  });
});
