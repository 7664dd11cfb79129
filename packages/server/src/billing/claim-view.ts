import { notFound } from "@salus/core";
import {
  type ClaimStatus,
  CORRECTABLE_CLAIM_STATUSES,
  claimActionsFrom,
  isUnsentClaim,
} from "@salus/core/billing/claim-status";
import { audited } from "../audit/audited.ts";
import type { ScopedTrx } from "../db/scoped.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "../records/patient-access.ts";
import type { ClaimListItemView, ClaimListQuery, ClaimView } from "./ledger-schemas.ts";

interface Finding {
  ruleId: string;
  severity: "error" | "warning";
  message: string;
  path: string;
}

function findingsOf(text: string | null): Finding[] {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? (parsed as Finding[]) : [];
}

/** The secondary coverage that could take what the primary left, when the claim is a paid primary. */
export async function secondaryCoverageFor(
  trx: ScopedTrx,
  claim: { patient_id: string; date_of_service: string; payer_ref: string },
): Promise<{ id: string; payer_ref: string } | null> {
  const row = await trx
    .selectFrom("coverages")
    .select(["id", "payer_ref", "priority"])
    .where("patient_id", "=", claim.patient_id)
    .where("status", "=", "active")
    .where("priority", ">", 1)
    .where("payer_ref", "is not", null)
    .where("payer_ref", "!=", claim.payer_ref)
    .where("effective_from", "<=", claim.date_of_service)
    .where((eb) => eb.or([eb("effective_to", "is", null), eb("effective_to", ">=", claim.date_of_service)]))
    .orderBy("priority")
    .limit(1)
    .executeTakeFirst();
  return row?.payer_ref ? { id: row.id, payer_ref: row.payer_ref } : null;
}

/** The claim page: fields, lines with their balances, the last scrub's findings, history, what may be done. */
export async function loadClaimView(trx: ScopedTrx, id: string): Promise<ClaimView> {
  const c = await trx
    .selectFrom("claims as c")
    .innerJoin("patients as p", "p.id", "c.patient_id")
    .innerJoin("payers as y", "y.id", "c.payer_ref")
    .leftJoin("coverages as v", "v.id", "c.coverage_id")
    .leftJoin("staff_members as s", "s.id", "c.rendering_staff_id")
    .selectAll("c")
    .select([
      "p.given_name",
      "p.family_name",
      "p.date_of_birth",
      "p.sex",
      "y.name as payer_name",
      "y.payer_id as payer_code",
      "v.member_id",
      "s.given_name as s_given",
      "s.family_name as s_family",
      "s.npi as s_npi",
    ])
    .where("c.id", "=", id)
    .executeTakeFirst();
  if (!c) throw notFound("claim");
  const lines = await trx
    .selectFrom("claim_lines")
    .selectAll()
    .where("claim_id", "=", id)
    .orderBy("line_number")
    .execute();
  const entries = await trx
    .selectFrom("ledger_entries")
    .select(["claim_line", "amount_cents"])
    .where("claim_id", "=", id)
    .execute();
  const lineBalance = new Map<number, number>();
  for (const e of entries)
    lineBalance.set(e.claim_line ?? 0, (lineBalance.get(e.claim_line ?? 0) ?? 0) + e.amount_cents);
  const history = await trx
    .selectFrom("claim_transitions")
    .selectAll()
    .where("claim_id", "=", id)
    .orderBy("at")
    .orderBy("id")
    .execute();
  // Who moved it, in words: 'user:<id>' becomes the person's name (batches, acknowledgements and
  // remittances keep their own label).
  const userIds = [
    ...new Set(history.flatMap((h) => (h.source.startsWith("user:") ? [h.source.slice(5)] : []))),
  ];
  const people = new Map(
    userIds.length === 0
      ? []
      : (
          await trx.selectFrom("users").select(["id", "display_name"]).where("id", "in", userIds).execute()
        ).map((u) => [`user:${u.id}`, u.display_name]),
  );
  const related = await trx
    .selectFrom("claims")
    .select([
      "id",
      "patient_control_number",
      "status",
      "original_claim_id",
      "primary_claim_id",
      "frequency_code",
    ])
    .where((eb) =>
      eb.or([
        eb("original_claim_id", "=", id),
        eb("primary_claim_id", "=", id),
        eb("id", "=", c.original_claim_id ?? ""),
        eb("id", "=", c.primary_claim_id ?? ""),
      ]),
    )
    .execute();
  const status = c.status as ClaimStatus;
  const actions: ClaimView["actions"] = [];
  if (isUnsentClaim(status)) actions.push("edit");
  const replacedAlready = related.some((r) => r.original_claim_id === id);
  if ((CORRECTABLE_CLAIM_STATUSES as readonly ClaimStatus[]).includes(status) && !replacedAlready)
    actions.push("replace", "void");
  if (
    status === "paid" &&
    c.sequence === "primary" &&
    !related.some((r) => r.primary_claim_id === id) &&
    (await secondaryCoverageFor(trx, c))
  )
    actions.push("secondary");
  if (claimActionsFrom(status).includes("close")) actions.push("close");
  return {
    id: c.id,
    patientControlNumber: c.patient_control_number,
    status,
    version: c.version,
    patientId: c.patient_id,
    patientName: `${c.family_name}, ${c.given_name}`,
    patientBirthDate: c.date_of_birth,
    patientSex: c.sex,
    payerRef: c.payer_ref,
    payerName: c.payer_name,
    payerId: c.payer_code,
    coverageId: c.coverage_id,
    memberId: c.member_id ?? null,
    sequence: c.sequence,
    primaryClaimId: c.primary_claim_id,
    frequencyCode: c.frequency_code,
    originalClaimId: c.original_claim_id,
    payerClaimNumber: c.payer_claim_number,
    renderingStaffId: c.rendering_staff_id,
    renderingName: c.s_family ? `${c.s_given ?? ""} ${c.s_family}`.trim() : null,
    renderingNpi: c.s_npi ?? null,
    dateOfService: c.date_of_service,
    placeOfService: c.place_of_service,
    diagnosisCodes: JSON.parse(c.diagnosis_codes) as string[],
    totalChargeCents: lines.reduce((s, l) => s + l.charge_cents, 0),
    balanceCents: entries.reduce((s, e) => s + e.amount_cents, 0),
    lines: lines.map((l) => ({
      lineNumber: l.line_number,
      chargeId: l.charge_id,
      procedureCode: l.procedure_code,
      modifiers: JSON.parse(l.modifiers) as string[],
      units: l.units,
      chargeCents: l.charge_cents,
      diagnosisPointers: JSON.parse(l.diagnosis_pointers) as number[],
      dateOfService: l.date_of_service,
      placeOfService: l.place_of_service,
      balanceCents: lineBalance.get(l.line_number) ?? 0,
    })),
    findings: findingsOf(c.scrub_findings),
    scrubbedAt: c.scrubbed_at,
    scrubCount: c.scrub_count,
    batchId: c.batch_id,
    submittedAt: c.submitted_at,
    history: history.map((h) => ({
      from: h.from_status,
      to: h.to_status,
      reason: h.reason,
      source: people.get(h.source) ?? h.source,
      at: h.at,
    })),
    actions,
    related: related
      .filter((r) => r.id !== id)
      .map((r) => ({
        id: r.id,
        patientControlNumber: r.patient_control_number,
        status: r.status as ClaimStatus,
        relation:
          r.id === c.original_claim_id
            ? c.frequency_code === "8"
              ? "voids"
              : "replaces"
            : r.id === c.primary_claim_id
              ? "primary"
              : r.primary_claim_id === id
                ? "secondary"
                : r.frequency_code === "8"
                  ? "voided by"
                  : "replaced by",
      })),
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

export async function getClaim(services: Services, actor: Actor, id: string): Promise<ClaimView> {
  return audited(
    services,
    actor,
    {
      action: "billing.claim.read",
      resourceType: "Claim",
      resourceId: id,
      readOnly: true,
      fromResult: (c: ClaimView) => ({ patientId: c.patientId }),
    },
    async (trx) => {
      const view = await loadClaimView(trx, id);
      await requirePatientAccess(trx, services, actor, view.patientId, "coverage");
      return view;
    },
  );
}

/** Claims by status or patient, newest date of service first, with their totals and last scrub's counts. */
export async function listClaims(
  services: Services,
  actor: Actor,
  query: ClaimListQuery,
): Promise<{ items: ClaimListItemView[]; total: number }> {
  return audited(
    services,
    actor,
    {
      action: "billing.claim.list",
      resourceType: "Claim",
      readOnly: true,
      detail: { status: query.status ?? null, patientId: query.patientId ?? null },
      fromResult: (r: { items: ClaimListItemView[] }) => ({
        detail: { patientIds: [...new Set(r.items.map((c) => c.patientId))] },
      }),
    },
    async (trx) => {
      let q = trx
        .selectFrom("claims as c")
        .innerJoin("patients as p", "p.id", "c.patient_id")
        .innerJoin("payers as y", "y.id", "c.payer_ref")
        .leftJoin("staff_members as s", "s.id", "c.rendering_staff_id")
        .select([
          "c.id",
          "c.patient_control_number",
          "c.status",
          "c.patient_id",
          "c.payer_ref",
          "c.sequence",
          "c.frequency_code",
          "c.date_of_service",
          "c.scrub_findings",
          "c.updated_at",
          "p.given_name",
          "p.family_name",
          "y.name as payer_name",
          "s.given_name as s_given",
          "s.family_name as s_family",
        ]);
      if (query.status) q = q.where("c.status", "=", query.status);
      if (query.patientId) q = q.where("c.patient_id", "=", query.patientId);
      const all = await q.orderBy("c.date_of_service", "desc").orderBy("c.patient_control_number").execute();
      const page = all.slice(query.offset, query.offset + query.limit);
      const totals = new Map<string, { cents: number; lines: number }>();
      const ids = page.map((c) => c.id);
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx
          .selectFrom("claim_lines")
          .select(["claim_id", "charge_cents"])
          .where("claim_id", "in", ids.slice(i, i + 500))
          .execute();
        for (const r of rows) {
          const t = totals.get(r.claim_id) ?? { cents: 0, lines: 0 };
          t.cents += r.charge_cents;
          t.lines++;
          totals.set(r.claim_id, t);
        }
      }
      const items = page.map((c) => {
        const f = findingsOf(c.scrub_findings);
        return {
          id: c.id,
          patientControlNumber: c.patient_control_number,
          status: c.status,
          patientId: c.patient_id,
          patientName: `${c.family_name}, ${c.given_name}`,
          payerRef: c.payer_ref,
          payerName: c.payer_name,
          sequence: c.sequence,
          frequencyCode: c.frequency_code,
          dateOfService: c.date_of_service,
          renderingName: c.s_family ? `${c.s_given ?? ""} ${c.s_family}`.trim() : null,
          totalChargeCents: totals.get(c.id)?.cents ?? 0,
          lines: totals.get(c.id)?.lines ?? 0,
          errors: f.filter((x) => x.severity === "error").length,
          warnings: f.filter((x) => x.severity === "warning").length,
          firstError: f.find((x) => x.severity === "error")?.message ?? null,
          errorRules: [...new Set(f.filter((x) => x.severity === "error").map((x) => x.ruleId))],
          updatedAt: c.updated_at,
        };
      });
      return { items, total: all.length };
    },
  );
}
