import { ROLES } from "@salus/core";
import { z } from "zod";
import { id, text } from "../http/schemas.ts";

/**
 * Administration's API shapes (the organization's settings, users and invitations, integration tokens,
 * the audit log) and the account's own (accepting an invitation): the zod schemas the routes validate
 * and serialize with, and the view types inferred from them. The use cases return these views; the web
 * imports the types (type-only).
 */

export const orgOut = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  mfaRequired: z.boolean(),
  idleTimeoutMinutes: z.number().int(),
  absoluteTimeoutHours: z.number().int(),
});
export const userOut = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  disabled: z.boolean(),
  mfaEnabled: z.boolean(),
  lastSignInAt: z.string().nullable(),
  serviceAccount: z.boolean(),
});
export const invitationOut = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(["pending", "accepted", "expired", "cancelled"]),
});
export const tokenOut = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  userId: z.string(),
  userEmail: z.string(),
  userName: z.string(),
  serviceAccount: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const auditOut = z.object({
  seq: z.number(),
  at: z.string(),
  userId: z.string().nullable(),
  userEmail: z.string().nullable(),
  organizationId: z.string().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  patientId: z.string().nullable(),
  outcome: z.string(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
  detail: z.string().nullable(),
});
export const instantOrDate = z
  .string()
  .max(40)
  .refine(
    (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || !Number.isNaN(Date.parse(v)),
    "must be a date (YYYY-MM-DD) or an ISO instant",
  );
export const auditFilters = z.strictObject({
  userId: id.optional(),
  patientId: id.optional(),
  action: text(100).optional(),
  from: instantOrDate.optional(),
  to: instantOrDate.optional(),
});

/** Inviting a member answers the same whether or not the email already has a Salus account. */
export const inviteAnswer = z.object({ invitation: invitationOut });
export const createdTokenOut = z.object({ id: z.string(), token: z.string(), role: z.string() });

// The account's own steps (account routes).
export const invitationToken = z.strictObject({ token: z.string().min(10).max(300) });
export const invitationPreviewOut = z.object({
  organizationName: z.string(),
  email: z.string(),
  roles: z.array(z.enum(ROLES)),
  expiresAt: z.string(),
  /** No account has this email yet: the person chooses a password to accept. */
  needsPassword: z
    .boolean()
    .describe("No account has this email yet: the person chooses a password to accept"),
});

export type OrganizationView = z.output<typeof orgOut>;
export type UserView = z.output<typeof userOut>;
export type InvitationView = z.output<typeof invitationOut>;
export type InvitationPreview = z.output<typeof invitationPreviewOut>;
export type InviteAnswer = z.output<typeof inviteAnswer>;
export type TokenView = z.output<typeof tokenOut>;
export type CreatedToken = z.output<typeof createdTokenOut>;
export type AuditEntryView = z.output<typeof auditOut>;
/** The audit log's filters as the web sends them. */
export type AuditFilters = z.input<typeof auditFilters>;
