import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { npiWithCheckDigit, ROLES, type Role } from "@salus/core";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import pg from "pg";
import { cliActor, createOrganization } from "../admin/organizations.ts";
import { createToken } from "../admin/tokens.ts";
import { createUser } from "../admin/users.ts";
import type { Config } from "../config.ts";
import { type DialectName, openDatabase } from "../db/connection.ts";
import { migrateToLatest } from "../db/run-migrations.ts";
import type { Database } from "../db/schema.ts";
import { createLocation, createResource } from "../directory/locations.ts";
import { createPatient } from "../directory/patients.ts";
import { addLicense, createStaff } from "../directory/staff.ts";
import { buildApp, type SalusApp } from "../http/app.ts";
import { makeServices, type Services } from "../platform/services.ts";

/**
 * Shared harness of the database integration tests (`*.int.test.ts`, vitest project `db`). Every call to
 * createTestServices opens a brand-new database: a temp SQLite file, or, when SALUS_TEST_DATABASE_URL is
 * set, a fresh PostgreSQL database created on that server and dropped again by closeTestServices. Nothing
 * is mocked: the tests talk to the real database through the real use cases and the real HTTP app.
 */

const PG_URL = process.env.SALUS_TEST_DATABASE_URL?.trim() || undefined;

/** The database the tests run on in this process (name describe blocks with it). */
export const dialect: DialectName = PG_URL ? "postgres" : "sqlite";

/** A clock the tests move by hand: `clock()` reads it, `set` and `advance` move it. */
export interface TestClock {
  (): Date;
  set(date: Date | string): void;
  advance(ms: number): void;
}

export const DEFAULT_START = new Date("2026-03-02T15:00:00.000Z");

export function testClock(start: Date | string = DEFAULT_START): TestClock {
  let now = new Date(start).getTime();
  const clock = (() => new Date(now)) as TestClock;
  clock.set = (date) => {
    now = new Date(date).getTime();
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

export interface TestServices extends Services {
  clock: TestClock;
  /** Undoes what createTestServices made (database closed and removed). */
  cleanup: () => Promise<void>;
}

export function testConfig(databaseUrl: string): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    databaseUrl,
    secretsFile: join(tmpdir(), "salus-test-unused.keys"),
    secureCookies: false,
    logLevel: "silent",
    demoPassword: undefined,
    demoTimeZone: "America/Chicago",
    bodyLimitBytes: 1_048_576,
    // 0 disables the global limiter (the per-route sign-in limits stay, see signIn's remote addresses).
    rateLimitPerMinute: 0,
  };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function createTestServices(options: { clock?: TestClock } = {}): Promise<TestServices> {
  const clock = options.clock ?? testClock();
  let url: string;
  let dispose: () => Promise<void>;
  if (PG_URL) {
    const name = `salus_test_${randomBytes(6).toString("hex")}`;
    await adminQuery(`create database ${name}`);
    url = withDatabase(PG_URL, name);
    dispose = () => adminQuery(`drop database if exists ${name} with (force)`);
  } else {
    const dir = mkdtempSync(join(tmpdir(), "salus-int-"));
    url = `sqlite:${join(dir, "salus.db")}`;
    dispose = async () => rmSync(dir, { recursive: true, force: true });
  }
  const db = openDatabase(url);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.close();
    await dispose();
    throw error;
  }
  const services = makeServices({
    db,
    secrets: { auditKey: randomBytes(32), encryptionKey: randomBytes(32) },
    clock,
    config: testConfig(url),
  });
  let closed = false;
  return {
    ...services,
    clock,
    cleanup: async () => {
      if (closed) return;
      closed = true;
      await db.close();
      await dispose();
    },
  };
}

export async function closeTestServices(services: TestServices | undefined): Promise<void> {
  await services?.cleanup();
}

export function createTestApp(services: Services): Promise<SalusApp> {
  return buildApp(services, { logger: false });
}

// ---------------------------------------------------------------------------------------------------
// Seed data: two organizations, each with one of everything and a user for every role.

export const PASSWORD = "correct horse battery staple 42";

export interface SeededOrg {
  id: string;
  slug: "alpha" | "beta";
  name: string;
  locationId: string;
  roomId: string;
  equipmentId: string;
  practitionerId: string;
  practitionerNpi: string;
  licenseId: string;
  staffId: string;
  patientIds: [string, string];
  /** Unique strings in this organization's patient names (a leak shows up as a canary in the output). */
  canaries: [string, string];
  /** email of the user holding exactly `role` (all users share PASSWORD). */
  users: Record<Role, { id: string; email: string }>;
  /** A user holding every role. */
  allRoles: { id: string; email: string };
  tokenId: string;
}

export interface Seed {
  alpha: SeededOrg;
  beta: SeededOrg;
}

export function emailOf(slug: string, role: Role | "all"): string {
  return `${role}@${slug}.test`;
}

async function seedOrg(
  services: Services,
  slug: "alpha" | "beta",
  npiPayloads: [string, string],
): Promise<SeededOrg> {
  const name = slug === "alpha" ? "Alpha Family Practice" : "Beta Clinic";
  const org = await createOrganization(services, { slug, name });
  const actor = cliActor(org.id);
  const location = await createLocation(services, actor, {
    name: `${name} Main`,
    timeZone: "America/Chicago",
    addressLine1: "1 Main St",
    addressLine2: null,
    city: slug === "alpha" ? "Austin" : "Boston",
    state: "TX",
    postalCode: "78701",
    phone: null,
  });
  const room = await createResource(services, actor, "rooms", { locationId: location.id, name: "Exam 1" });
  const equipment = await createResource(services, actor, "equipment", {
    locationId: location.id,
    name: "ECG",
    kind: "diagnostic",
  });
  const npi = npiWithCheckDigit(npiPayloads[0]);
  const practitioner = await createStaff(services, actor, {
    kind: "practitioner",
    givenName: `Pat${slug}`,
    familyName: `Practitioner-${slug}`,
    jobTitle: "Physician",
    email: null,
    phone: null,
    npi,
    taxonomy: "207Q00000X",
  });
  const licensed = await addLicense(services, actor, practitioner.id, {
    state: "TX",
    number: `LIC-${slug}`,
    expiresOn: "2028-01-31",
  });
  const staff = await createStaff(services, actor, {
    kind: "staff",
    givenName: `Sam${slug}`,
    familyName: `Staff-${slug}`,
    jobTitle: "Receptionist",
    email: null,
    phone: null,
    npi: null,
    taxonomy: null,
  });
  const canaries: [string, string] = [`CANARY-${slug}-7f3a`, `CANARY-${slug}-91c4`];
  const patients = [];
  for (const [i, canary] of canaries.entries()) {
    patients.push(
      await createPatient(services, actor, {
        givenName: i === 0 ? "Robin" : "Jamie",
        familyName: canary,
        dateOfBirth: i === 0 ? "1980-05-17" : "1975-11-02",
        sex: i === 0 ? "female" : "male",
        phone: null,
        email: null,
        addressLine1: null,
        addressLine2: null,
        city: null,
        state: null,
        postalCode: null,
      }),
    );
  }
  const users = {} as SeededOrg["users"];
  for (const role of ROLES) {
    const email = emailOf(slug, role);
    const { user } = await createUser(services, actor, {
      email,
      displayName: `${role} of ${slug}`,
      roles: [role],
      password: PASSWORD,
    });
    users[role] = { id: user.id, email };
  }
  const allEmail = emailOf(slug, "all");
  const { user: all } = await createUser(services, actor, {
    email: allEmail,
    displayName: `everything of ${slug}`,
    roles: [...ROLES],
    password: PASSWORD,
  });
  const token = await createToken(services, actor, {
    name: `${slug} integration`,
    userId: users.clinician.id,
    role: "clinician",
  });
  return {
    id: org.id,
    slug,
    name,
    locationId: location.id,
    roomId: room.id,
    equipmentId: equipment.id,
    practitionerId: practitioner.id,
    practitionerNpi: npi,
    licenseId: licensed.licenses[0]!.id,
    staffId: staff.id,
    patientIds: [patients[0]!.id, patients[1]!.id],
    canaries,
    users,
    allRoles: { id: all.id, email: allEmail },
    tokenId: token.id,
  };
}

/** Seeds organizations `alpha` and `beta` (see SeededOrg). */
export async function seedTwoOrgs(services: Services): Promise<Seed> {
  const alpha = await seedOrg(services, "alpha", ["123456789", "223456789"]);
  const beta = await seedOrg(services, "beta", ["323456789", "423456789"]);
  return { alpha, beta };
}

// ---------------------------------------------------------------------------------------------------
// HTTP helpers.

export interface SignedIn {
  /** The Cookie request header (`salus_session=…`). */
  cookie: string;
  csrfToken: string;
  status: string;
  response: LightMyRequestResponse;
}

let ipCounter = 0;
/**
 * A distinct remote address per sign-in, so the per-route sign-in rate limit (30 a minute per address,
 * on the real clock) and the per-address throttle never trip across a test file's many sign-ins.
 */
export function nextIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** The session cookie a response sets, as a Cookie request header, or null. */
export function sessionCookieFrom(response: LightMyRequestResponse): string | null {
  const raw = response.headers["set-cookie"];
  const all = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  for (const c of all) {
    const m = /^(salus_session)=([^;]*)/.exec(c);
    if (m?.[2]) return `${m[1]}=${m[2]}`;
  }
  return null;
}

export async function signIn(
  app: FastifyInstance,
  email: string,
  password: string = PASSWORD,
  options: { organization?: string; ip?: string } = {},
): Promise<SignedIn> {
  const response = await app.inject({
    method: "POST",
    url: "/api/auth/login",
    remoteAddress: options.ip ?? nextIp(),
    payload: { email, password, ...(options.organization ? { organization: options.organization } : {}) },
  });
  if (response.statusCode !== 200) {
    throw new Error(`sign-in of ${email} answered ${response.statusCode}: ${response.body}`);
  }
  const body = response.json() as { status: string; csrfToken: string };
  const cookie = sessionCookieFrom(response);
  if (!cookie) throw new Error(`sign-in of ${email} set no session cookie`);
  return { cookie, csrfToken: body.csrfToken, status: body.status, response };
}

/** Issues a bearer token for the user (by email) in the organization, with their first role. */
export async function bearer(
  services: Services,
  org: SeededOrg,
  email: string,
  role?: Role,
): Promise<string> {
  const user =
    Object.values(org.users).find((u) => u.email === email) ??
    (org.allRoles.email === email ? org.allRoles : null);
  if (!user) throw new Error(`no seeded user ${email} in ${org.slug}`);
  const { token } = await createToken(services, cliActor(org.id), {
    name: `test token ${randomBytes(3).toString("hex")}`,
    userId: user.id,
    role,
  });
  return token;
}

export type Method = "GET" | "POST" | "PATCH" | "DELETE" | "PUT";

export interface CallOptions {
  ip?: string;
  headers?: Record<string, string>;
}

/** A request as a signed-in session (cookie, and the CSRF header on mutating methods). */
export function asSession(
  app: FastifyInstance,
  s: Pick<SignedIn, "cookie" | "csrfToken">,
  method: Method,
  url: string,
  payload?: unknown,
  options: CallOptions = {},
) {
  return app.inject({
    method,
    url,
    remoteAddress: options.ip ?? "127.0.0.1",
    headers: {
      cookie: s.cookie,
      ...(method === "GET" ? {} : { "x-csrf-token": s.csrfToken }),
      ...options.headers,
    },
    ...(payload === undefined ? {} : { payload: payload as never }),
  });
}

/** A request with `Authorization: Bearer <token>`. */
export function asBearer(
  app: FastifyInstance,
  token: string,
  method: Method,
  url: string,
  payload?: unknown,
  options: CallOptions = {},
) {
  return app.inject({
    method,
    url,
    remoteAddress: options.ip ?? "127.0.0.1",
    headers: { authorization: `Bearer ${token}`, ...options.headers },
    ...(payload === undefined ? {} : { payload: payload as never }),
  });
}

// ---------------------------------------------------------------------------------------------------
// Database inspection.

/** Row count of a table (optionally only one organization's rows). */
export async function countRows(
  services: Services,
  table: keyof Database,
  organizationId?: string,
): Promise<number> {
  let q = services.systemDb.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n"));
  if (organizationId) q = q.where("organization_id" as never, "=", organizationId as never);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Row counts of every table, for "nothing was written" assertions. */
export async function countAll(services: Services): Promise<Record<string, number>> {
  const tables: (keyof Database)[] = [
    "organizations",
    "users",
    "memberships",
    "locations",
    "rooms",
    "equipment",
    "staff_members",
    "practitioner_licenses",
    "patients",
    "api_tokens",
  ];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = await countRows(services, t);
  return out;
}

/** The audit entries of a chain after a given sequence number, oldest first. */
export async function auditAfter(services: Services, chainId: string, afterSeq: number) {
  return services.systemDb
    .selectFrom("audit_entries")
    .selectAll()
    .where("chain_id", "=", chainId)
    .where("seq", ">", afterSeq)
    .orderBy("seq", "asc")
    .execute();
}

/** The current length of a chain (its last sequence number, 0 when empty). */
export async function auditSeq(services: Services, chainId: string): Promise<number> {
  const row = await services.systemDb
    .selectFrom("audit_entries")
    .select((eb) => eb.fn.max("seq").as("seq"))
    .where("chain_id", "=", chainId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Asserts an HTTP answer is a JSON API error with the given status and code; answers the error body. */
export function errorOf(response: LightMyRequestResponse): {
  code: string;
  message: string;
  requestId?: string;
  details?: { path: string; message: string }[];
} {
  const body = response.json() as { error?: { code: string; message: string } };
  if (!body.error) throw new Error(`not an error body: ${response.body}`);
  return body.error;
}

// ---------------------------------------------------------------------------------------------------
// MFA helpers.

/** The TOTP code of `secret` at the clock's current time (what an authenticator app would show). */
export async function totpAt(secret: string, clock: TestClock | Date): Promise<string> {
  const { generate } = await import("otplib");
  const now = typeof clock === "function" ? clock() : clock;
  return generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
}

/**
 * Enrols the signed-in session's user in MFA through the API; answers the secret and the rotated
 * session. Moves the clock 30 s on afterwards, so the next code is a fresh time step.
 */
export async function enrollMfa(
  app: FastifyInstance,
  session: Pick<SignedIn, "cookie" | "csrfToken">,
  clock: TestClock,
): Promise<{ secret: string; session: Pick<SignedIn, "cookie" | "csrfToken"> }> {
  const start = await asSession(app, session, "POST", "/api/auth/mfa/enroll", {});
  if (start.statusCode !== 200) throw new Error(`enroll answered ${start.statusCode}: ${start.body}`);
  const { secret } = start.json() as { secret: string };
  const confirm = await asSession(app, session, "POST", "/api/auth/mfa/enroll/confirm", {
    code: await totpAt(secret, clock),
  });
  if (confirm.statusCode !== 200) throw new Error(`confirm answered ${confirm.statusCode}: ${confirm.body}`);
  const cookie = sessionCookieFrom(confirm);
  if (!cookie) throw new Error("confirm set no cookie");
  clock.advance(30_000);
  return { secret, session: { cookie, csrfToken: confirm.json().csrfToken } };
}
