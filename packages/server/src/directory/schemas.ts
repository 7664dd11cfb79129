import { z } from "zod";
import {
  id,
  optionalText,
  plainDate,
  STATE_CODE,
  STATE_CODE_MESSAGE,
  stateCode,
  text,
} from "../http/schemas.ts";

/**
 * The directory's API shapes (locations, rooms, equipment, staff, patients): the zod schemas the routes
 * validate and serialize with, and the view types inferred from them. The use cases return these views;
 * the web imports the types (type-only). One source: change a shape here.
 */
export const locationOut = z.object({
  id: z.string(),
  name: z.string(),
  timeZone: z.string(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  phone: z.string().nullable(),
  active: z.boolean(),
});
export const locationIn = z.strictObject({
  name: text(200),
  timeZone: text(64),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
  phone: optionalText(40),
  active: z.boolean().optional(),
});

export const roomOut = z.object({
  id: z.string(),
  locationId: z.string(),
  name: z.string(),
  active: z.boolean(),
});
export const equipmentOut = roomOut.extend({ kind: z.string() });
export const roomIn = z.strictObject({ locationId: id, name: text(200), active: z.boolean().optional() });
export const equipmentIn = roomIn.extend({ kind: text(100) });

export const licenseOut = z.object({
  id: z.string(),
  state: z.string(),
  number: z.string(),
  expiresOn: z.string(),
});
export const licenseIn = z.strictObject({
  state: z.string().regex(STATE_CODE, STATE_CODE_MESSAGE),
  number: text(50),
  expiresOn: plainDate,
});
export const staffOut = z.object({
  id: z.string(),
  kind: z.enum(["practitioner", "staff"]),
  givenName: z.string(),
  familyName: z.string(),
  jobTitle: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  npi: z.string().nullable(),
  taxonomy: z.string().nullable(),
  userId: z.string().nullable(),
  active: z.boolean(),
  licenses: z.array(licenseOut),
});
export const staffIn = z.strictObject({
  kind: z.enum(["practitioner", "staff"]),
  givenName: text(100),
  familyName: text(100),
  jobTitle: optionalText(100),
  email: optionalText(320),
  phone: optionalText(40),
  npi: z.union([z.string().regex(/^\d{10}$/, "must be 10 digits"), z.literal(""), z.null()]).optional(),
  taxonomy: z
    .union([
      z.string().regex(/^[0-9A-Z]{9}X$/, "must be a 10-character taxonomy code such as 207Q00000X"),
      z.literal(""),
      z.null(),
    ])
    .optional()
    .transform((v) => v || null),
  active: z.boolean().optional(),
});

export const sex = z.enum(["female", "male", "other", "unknown"]);
export const guarantorRelationship = z.enum(["self", "parent", "spouse", "guardian", "other"]);
export const contactMethod = z.enum(["phone", "sms", "email", "mail"]);
export const guarantorOut = z.object({
  relationship: guarantorRelationship,
  givenName: z.string().nullable(),
  familyName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  phone: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
});
export const patientOut = z.object({
  id: z.string(),
  mrn: z.string(),
  givenName: z.string(),
  middleName: z.string().nullable(),
  familyName: z.string(),
  nameSuffix: z.string().nullable(),
  preferredName: z.string().nullable(),
  dateOfBirth: z.string(),
  sex,
  genderIdentity: z.string().nullable(),
  pronouns: z.string().nullable(),
  language: z.string().nullable(),
  interpreterNeeded: z.boolean(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  addressLine1: z.string().nullable(),
  addressLine2: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  contactMethod: contactMethod.nullable(),
  mayLeaveMessage: z.boolean().nullable(),
  mayText: z.boolean().nullable(),
  guarantor: guarantorOut.nullable(),
  primaryPractitionerId: z.string().nullable(),
  frontDeskNote: z.string().nullable(),
  ssnLast4: z.string().nullable(),
  active: z.boolean(),
  enteredInError: z.boolean(),
  mergedIntoId: z.string().nullable(),
});
export const duplicateCandidateOut = z.object({
  id: z.string(),
  mrn: z.string(),
  givenName: z.string(),
  familyName: z.string(),
  dateOfBirth: z.string(),
  score: z.number(),
  reasons: z.array(z.enum(["name", "phone", "email"])),
});
export const possibleDuplicateOut = z.object({
  error: z.object({
    code: z.literal("possible_duplicate"),
    message: z.string(),
    requestId: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })),
    candidates: z.array(duplicateCandidateOut),
  }),
});
export const guarantorIn = z.strictObject({
  relationship: guarantorRelationship,
  givenName: optionalText(100),
  familyName: optionalText(100),
  dateOfBirth: z.union([plainDate, z.null()]).optional(),
  phone: optionalText(40),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
});
export const patientIn = z.strictObject({
  mrn: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,20}$/, "must be 1-20 letters, digits or hyphens")
    .optional(),
  givenName: text(100),
  middleName: optionalText(100),
  familyName: text(100),
  nameSuffix: optionalText(20),
  preferredName: optionalText(100),
  dateOfBirth: plainDate,
  sex,
  genderIdentity: optionalText(100),
  pronouns: optionalText(40),
  language: optionalText(60),
  interpreterNeeded: z.boolean().optional(),
  phone: optionalText(40),
  email: optionalText(320),
  addressLine1: optionalText(200),
  addressLine2: optionalText(200),
  city: optionalText(100),
  state: stateCode,
  postalCode: optionalText(20),
  contactMethod: contactMethod.nullable().optional(),
  mayLeaveMessage: z.boolean().nullable().optional(),
  mayText: z.boolean().nullable().optional(),
  guarantor: guarantorIn.nullable().optional(),
  primaryPractitionerId: id.nullable().optional(),
  frontDeskNote: optionalText(2000),
  ssn: z
    .union([z.string().regex(/^\d{3}-?\d{2}-?\d{4}$/, "must be 9 digits, e.g. 123-45-6789"), z.null()])
    .optional(),
  active: z.boolean().optional(),
  enteredInError: z.boolean().optional(),
});

export type LocationView = z.output<typeof locationOut>;
export type RoomView = z.output<typeof roomOut>;
export type EquipmentView = z.output<typeof equipmentOut>;
export type LicenseView = z.output<typeof licenseOut>;
export type StaffView = z.output<typeof staffOut>;
export type StaffKind = StaffView["kind"];
export type Sex = z.output<typeof sex>;
export type GuarantorRelationship = z.output<typeof guarantorRelationship>;
export type GuarantorView = z.output<typeof guarantorOut>;
export type PatientView = z.output<typeof patientOut>;
export type DuplicateCandidateView = z.output<typeof duplicateCandidateOut>;
/** What the web sends to register or change a patient (before the server's transforms). */
export type PatientRequest = z.input<typeof patientIn>;
