import { PERMISSIONS, ROLES } from "@salus/core";
import { z } from "zod";
import { text } from "../http/schemas.ts";

/**
 * Signing in's API shapes (the steps, the session, MFA enrolment, password change): the zod schemas the
 * routes validate and serialize with, and the types inferred from them, which the web imports
 * (type-only).
 */
export const stage = z.enum(["password_change", "mfa", "mfa_enrollment", "active"]);
export const stepAnswer = z.object({
  status: z.enum(["signed_in", "mfa_required", "mfa_enrollment_required", "password_change_required"]),
  csrfToken: z.string(),
});
export const code = z.strictObject({ code: z.string().max(12) });
export const signInIn = z.strictObject({
  email: text(320),
  password: z.string().min(1).max(1024),
  organization: text(40).optional(),
});
export const passwordChangeIn = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
export const mfaEnrollmentOut = z.object({ secret: z.string(), otpauthUrl: z.string() });

export const sessionAnswer = z.object({
  user: z.object({ id: z.string(), email: z.string(), displayName: z.string(), mfaEnabled: z.boolean() }),
  organization: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  organizations: z.array(z.object({ slug: z.string(), name: z.string() })),
  roles: z.array(z.enum(ROLES)),
  permissions: z.array(z.enum(PERMISSIONS)),
  csrfToken: z.string(),
  stage,
});

export type AuthStep = z.output<typeof stepAnswer>;
export type SignInStatus = AuthStep["status"];
export type SessionView = z.output<typeof sessionAnswer>;
export type SessionUser = SessionView["user"];
export type OrganizationRef = SessionView["organizations"][number];
export type MfaEnrollment = z.output<typeof mfaEnrollmentOut>;
export type SignInRequest = z.input<typeof signInIn>;
export type PasswordChangeRequest = z.input<typeof passwordChangeIn>;
