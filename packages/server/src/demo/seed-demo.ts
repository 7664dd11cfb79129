import { normalizeEmail, npiWithCheckDigit } from "@salus/core";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { createUser } from "../admin/users.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import type { Services } from "../platform/services.ts";
import { beginDemoSeed, type DemoRollback, finishDemoSeed } from "./demo-progress.ts";
import { seedBilling } from "./seed-billing.ts";
import { seedBillingActivity } from "./seed-billing-activity.ts";
import { seedBillingError } from "./seed-billing-error.ts";
import { seedClinical } from "./seed-clinical.ts";
import { seedFlow } from "./seed-flow.ts";
import { seedPrivacy } from "./seed-privacy.ts";
import { seedRecords } from "./seed-records.ts";
import { seedScheduling } from "./seed-scheduling.ts";

/**
 * The demo practice (slug `demo`): two clinics, rooms and equipment, practitioners with licenses (one
 * expiring soon, one expired), office staff, a user for every role and 240 patients with names from
 * several scripts. Deterministic, so screenshots and tests can rely on it.
 */
export const DEMO_SLUG = "demo";
export const DEMO_DEFAULT_PASSWORD = "salus-demo-practice";
export const DEMO_USERS = [
  { email: "admin@demo.salus.test", displayName: "Avery Admin", roles: ["admin"] },
  { email: "manager@demo.salus.test", displayName: "Morgan Manager", roles: ["manager"] },
  { email: "frontdesk@demo.salus.test", displayName: "Frankie Desk", roles: ["front-desk"] },
  { email: "clinician@demo.salus.test", displayName: "Dr. Casey Clinician", roles: ["clinician"] },
  { email: "clinician2@demo.salus.test", displayName: "Dr. Jordan Second", roles: ["clinician"] },
  { email: "biller@demo.salus.test", displayName: "Billie Biller", roles: ["biller"] },
  { email: "hr@demo.salus.test", displayName: "Harper HR", roles: ["hr"] },
  { email: "privacy@demo.salus.test", displayName: "Pat Privacy", roles: ["privacy-officer"] },
] as const;

const GIVEN = [
  "Olivia",
  "Liam",
  "Emma",
  "Noah",
  "Sofía",
  "Mateo",
  "Aisha",
  "Omar",
  "Mei",
  "Wei",
  "Priya",
  "Arjun",
  "Chloé",
  "Lucas",
  "Zoë",
  "Ethan",
  "Ngozi",
  "Kwame",
  "Yuki",
  "Haruto",
  "Ana",
  "José",
  "Fatima",
  "Ali",
  "Isabella",
  "Elijah",
  "Amara",
  "Dmitri",
  "Olga",
  "Kai",
];
const FAMILY = [
  "Garcia",
  "Smith",
  "Nguyen",
  "Johnson",
  "Kim",
  "Patel",
  "Williams",
  "Okafor",
  "Brown",
  "Müller",
  "Rossi",
  "Hernández",
  "Chen",
  "Davis",
  "O'Brien",
  "Kowalski",
  "Haddad",
  "Tanaka",
  "Ivanova",
  "Silva",
  "Lopez",
  "Wilson",
  "Moore",
  "Taylor",
  "Anderson",
  "Thomas",
  "Jackson",
  "White",
  "Harris",
  "Martin",
];
const SCRIPTS: [string, string][] = [
  ["王", "秀英"],
  ["Иванов", "Пётр"],
  ["محمد", "أحمد"],
  ["Παπαδόπουλος", "Ελένη"],
  ["김", "민준"],
  ["शर्मा", "अनन्या"],
];
const STREETS = [
  "Oak St",
  "Maple Ave",
  "Cedar Ln",
  "River Rd",
  "Elm St",
  "Lakeview Dr",
  "Pine Ct",
  "Main St",
];

/** A small deterministic PRNG (mulberry32), so the demo is the same on every machine. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoResult {
  organizationId: string;
  password: string;
  users: string[];
  /** An interrupted earlier seeding that this run rolled back first, or null. */
  rolledBack: DemoRollback | null;
}

/** The steps of seeding, in order (a test interrupts seeding after one of them). */
export type DemoStep =
  | "directory"
  | "patients"
  | "scheduling"
  | "records"
  | "clinical"
  | "privacy"
  | "flow"
  | "billing";

export interface SeedDemoOptions {
  /** Called after each step; a test throws here to interrupt seeding. */
  afterStep?: (step: DemoStep) => void | Promise<void>;
  /** The clinics' IANA time zone (default America/Chicago; SALUS_DEMO_TIME_ZONE via the config). */
  timeZone?: string;
}

export async function seedDemo(
  services: Services,
  password = DEMO_DEFAULT_PASSWORD,
  slug = DEMO_SLUG,
  options: SeedDemoOptions = {},
): Promise<DemoResult> {
  const emailOf = (email: string) => (slug === DEMO_SLUG ? email : email.replace("@demo.", `@${slug}.`));
  // Rolls back an interrupted earlier run of this seeding, then marks this one as started.
  const rolledBack = await beginDemoSeed(
    services,
    slug,
    DEMO_USERS.map((u) => normalizeEmail(emailOf(u.email))),
  );
  const step = async (name: DemoStep) => options.afterStep?.(name);
  const org = await createOrganization(services, {
    slug,
    name: slug === DEMO_SLUG ? "Riverside Family Practice" : `Demo practice ${slug}`,
  });
  const actor = cliActor(org.id);
  const rand = prng(20261127);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  for (const u of DEMO_USERS) {
    await createUser(services, actor, {
      email: emailOf(u.email),
      displayName: u.displayName,
      roles: [...u.roles],
      password,
    });
  }

  const main = await createLocation(services, actor, {
    name: "Riverside Main Clinic",
    timeZone: options.timeZone ?? services.config.demoTimeZone,
    addressLine1: "100 River Rd",
    addressLine2: null,
    city: "Springfield",
    state: "IL",
    postalCode: "62701",
    phone: "217-555-0100",
  });
  const north = await createLocation(services, actor, {
    name: "Northgate Clinic",
    timeZone: options.timeZone ?? services.config.demoTimeZone,
    addressLine1: "2200 Northgate Blvd",
    addressLine2: "Suite 4",
    city: "Springfield",
    state: "IL",
    postalCode: "62702",
    phone: "217-555-0200",
  });
  for (const [loc, rooms] of [
    [main, ["Exam 1", "Exam 2", "Exam 3", "Exam 4", "Procedure Room"]],
    [north, ["Exam A", "Exam B", "Exam C"]],
  ] as const) {
    for (const name of rooms) await createResource(services, actor, "rooms", { locationId: loc.id, name });
  }
  for (const [loc, name, kind] of [
    [main, "ECG machine", "ecg"],
    [main, "Portable ultrasound", "ultrasound"],
    [north, "Spirometer", "spirometer"],
    [main, "Spirometer", "spirometer"],
  ] as const) {
    await createResource(services, actor, "equipment", { locationId: loc.id, name, kind });
  }

  const practitioners = [
    ["Elena", "Ramirez", "Family physician", "207Q00000X", "2027-12-31"],
    ["Samuel", "Okoye", "Internal medicine physician", "207R00000X", "2027-06-30"],
    ["Grace", "Liu", "Pediatrician", "208000000X", "2026-12-20"],
    ["Daniel", "Fischer", "Nurse practitioner", "363LF0000X", "2028-03-31"],
    ["Hannah", "Brooks", "Physician assistant", "363A00000X", "2026-10-31"],
  ] as const;
  for (const [i, [given, family, title, taxonomy, expires]] of practitioners.entries()) {
    const s = await createStaff(services, actor, {
      kind: "practitioner",
      givenName: given,
      familyName: family,
      jobTitle: title,
      email: `${given.toLowerCase()}.${family.toLowerCase()}@riverside.example`,
      phone: `217-555-01${10 + i}`,
      npi: npiWithCheckDigit(`1${String(234567 + i * 1111).padStart(6, "0")}00`.slice(0, 9)),
      taxonomy,
    });
    await addLicense(services, actor, s.id, { state: "IL", number: `036-${100200 + i}`, expiresOn: expires });
  }
  for (const [given, family, title] of [
    ["Rosa", "Delgado", "Front desk coordinator"],
    ["Tom", "Becker", "Medical assistant"],
    ["Nia", "Johnson", "Billing specialist"],
    ["Leo", "Park", "Office manager"],
  ] as const) {
    await createStaff(services, actor, {
      kind: "staff",
      givenName: given,
      familyName: family,
      jobTitle: title,
      email: null,
      phone: null,
      npi: null,
      taxonomy: null,
    });
  }
  await step("directory");

  for (let i = 0; i < 240; i++) {
    const scripted = i % 40 === 7 ? SCRIPTS[Math.floor(i / 40) % SCRIPTS.length] : undefined;
    const year = 1935 + Math.floor(rand() * 88);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const given = scripted ? scripted[1] : pick(GIVEN);
    const family = scripted ? scripted[0] : pick(FAMILY);
    await createPatient(services, actor, {
      mrn: String(100001 + i),
      givenName: given,
      familyName: family,
      dateOfBirth: `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
      sex: pick(["female", "male", "female", "male", "other", "unknown"] as const),
      phone: `217-555-${String(2000 + i).padStart(4, "0")}`,
      email: rand() < 0.7 ? `patient${i + 1}@mail.example` : null,
      addressLine1: `${100 + Math.floor(rand() * 9000)} ${pick(STREETS)}`,
      addressLine2: null,
      city: "Springfield",
      state: "IL",
      postalCode: pick(["62701", "62702", "62703", "62704"]),
    });
  }
  await step("patients");
  await seedScheduling(services, org.id);
  await step("scheduling");
  await seedRecords(services, org.id);
  await step("records");
  await seedClinical(services, org.id);
  await step("clinical");
  await seedPrivacy(services, org.id);
  await step("privacy");
  await seedFlow(services, org.id);
  await step("flow");
  // The practice's billing setup: billing identity, payers, fee schedules, coverages linked to payers.
  await seedBilling(services, org.id);
  // After the practice's billing setup (payers, fee schedules, coverages linked to payers): the past
  // visits charged, claimed and sent, yesterday's left for the biller (a no-op without that setup).
  await seedBillingActivity(services, org.id);
  await seedBillingError(services, org.id);
  await step("billing");
  await finishDemoSeed(services, slug);
  return { organizationId: org.id, password, users: DEMO_USERS.map((u) => u.email), rolledBack };
}
