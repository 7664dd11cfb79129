import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import { DomainError, passwordProblem } from "@salus/core";
import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * Password hashing with argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). argon2 has no
 * input truncation, so an 80-byte password is verified on all 80 bytes (bcrypt would stop at 72).
 */
const ARGON2_OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Verifies against a throwaway hash when the account does not exist, so an unknown email costs the same
 * time as a wrong password and timing cannot reveal which accounts exist.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(16).toString("hex"));
  await verifyPassword(await dummyHash, password);
}

// The zxcvbn-ts common-password dictionary (about 50,000 passwords seen most often in breach corpora).
const COMMON = new Set((dictionary["passwords-common"] as string[]).map((p) => p.toLowerCase()));

/** Throws `weak_password` with the reason when the policy refuses the password. */
export function assertAcceptablePassword(password: string, personal: readonly string[]): void {
  const problem = passwordProblem(password, { personal, isCommon: (p) => COMMON.has(p) });
  if (problem) throw new DomainError("weak_password", problem, [{ path: "newPassword", message: problem }]);
}

/** A one-time password to hand to a new user: 100 bits in four groups, easy to read out and type. */
export function oneTimePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join("")).join("-");
}
