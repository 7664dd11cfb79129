import { randomUUID } from "node:crypto";
import { DomainError, notFound } from "@salus/core";
import { audited } from "../audit/audited.ts";
import type { Actor, Services } from "../platform/services.ts";
import { requirePatientAccess } from "./patient-access.ts";
import type { CareTeamMemberView } from "./schemas.ts";

export type { CareTeamMemberView } from "./schemas.ts";

/**
 * Care-team grants: a treating clinician opens one patient's chart to a colleague (a covering physician,
 * a consultant) until revoked or expired. Only a treating clinician grants, so access never spreads
 * from a grant or a break-glass to further people; a grant does not open sensitive encounters.
 */

function invalid(path: string, message: string): DomainError {
  return new DomainError("invalid_request", `${path} ${message}.`, [{ path, message }]);
}

export async function listCareTeam(
  services: Services,
  actor: Actor,
  patientId: string,
): Promise<CareTeamMemberView[]> {
  return audited(
    services,
    actor,
    { action: "care-team.list", resourceType: "CareTeam", patientId },
    async (trx) => {
      await requirePatientAccess(trx, services, actor, patientId, "clinical");
      const now = services.clock().toISOString();
      const rows = await trx
        .selectFrom("care_team_grants as g")
        .innerJoin("users as u", "u.id", "g.user_id")
        .select([
          "g.id",
          "g.user_id",
          "u.display_name",
          "u.email",
          "g.granted_by",
          "g.reason",
          "g.created_at",
          "g.expires_at",
        ])
        .where("g.organization_id", "=", actor.organizationId)
        .where("g.patient_id", "=", patientId)
        .where("g.revoked_at", "is", null)
        .where((eb) => eb.or([eb("g.expires_at", "is", null), eb("g.expires_at", ">", now)]))
        .orderBy("g.created_at")
        .orderBy("g.id")
        .execute();
      return rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        displayName: r.display_name,
        email: r.email,
        grantedBy: r.granted_by,
        reason: r.reason,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
      }));
    },
  );
}

export async function grantCareTeam(
  services: Services,
  actor: Actor,
  patientId: string,
  input: { userId: string; reason?: string | null | undefined; expiresAt?: string | null | undefined },
): Promise<CareTeamMemberView> {
  const now = services.clock();
  if (input.expiresAt && !(Date.parse(input.expiresAt) > now.getTime())) {
    throw invalid("expiresAt", "must be a time in the future");
  }
  const id = randomUUID();
  return audited(
    services,
    actor,
    {
      action: "care-team.grant",
      resourceType: "CareTeam",
      resourceId: id,
      patientId,
      detail: { userId: input.userId, expiresAt: input.expiresAt ?? null },
    },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "clinical");
      if (!access.relations.includes("treating")) {
        throw new DomainError(
          "forbidden",
          "Only a clinician treating this patient can add to the care team.",
        );
      }
      const member = await trx
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select(["users.id", "users.display_name", "users.email"])
        .where("memberships.organization_id", "=", actor.organizationId)
        .where("memberships.user_id", "=", input.userId)
        .where("memberships.role", "=", "clinician")
        .where("users.disabled_at", "is", null)
        .executeTakeFirst();
      if (!member) throw invalid("userId", "is not an active clinician of this practice");
      const at = now.toISOString();
      const existing = await trx
        .selectFrom("care_team_grants")
        .select("id")
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .where("user_id", "=", input.userId)
        .where("revoked_at", "is", null)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", at)]))
        .executeTakeFirst();
      if (existing)
        throw new DomainError("conflict", "That clinician is already on this patient's care team.");
      await trx
        .insertInto("care_team_grants")
        .values({
          organization_id: actor.organizationId,
          id,
          patient_id: patientId,
          user_id: input.userId,
          granted_by: actor.userId,
          reason: input.reason ?? null,
          created_at: at,
          expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
          revoked_at: null,
          revoked_by: null,
        })
        .execute();
      return {
        id,
        userId: member.id,
        displayName: member.display_name,
        email: member.email,
        grantedBy: actor.userId,
        reason: input.reason ?? null,
        createdAt: at,
        expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      };
    },
  );
}

/**
 * Ends a user's care-team access to the patient: by a treating clinician, or by the member themselves.
 * Takes effect on the next request (access is evaluated per request, never cached).
 */
export async function revokeCareTeam(
  services: Services,
  actor: Actor,
  patientId: string,
  userId: string,
): Promise<{ revoked: number }> {
  return audited(
    services,
    actor,
    { action: "care-team.revoke", resourceType: "CareTeam", patientId, detail: { userId } },
    async (trx) => {
      const access = await requirePatientAccess(trx, services, actor, patientId, "clinical");
      if (!access.relations.includes("treating") && userId !== actor.userId) {
        throw new DomainError(
          "forbidden",
          "Only a clinician treating this patient can change the care team.",
        );
      }
      const at = services.clock().toISOString();
      const result = await trx
        .updateTable("care_team_grants")
        .set({ revoked_at: at, revoked_by: actor.userId })
        .where("organization_id", "=", actor.organizationId)
        .where("patient_id", "=", patientId)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", at)]))
        .executeTakeFirst();
      const revoked = Number(result.numUpdatedRows);
      if (revoked === 0) throw notFound("care-team member");
      return { revoked };
    },
  );
}
