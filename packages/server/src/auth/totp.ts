import { generateSecret, generateURI, verify } from "otplib";

/**
 * TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1 as every authenticator app expects). A code is
 * accepted one step either side of the current one for clock drift, and only if its step is later than
 * the last step this user already used, so a code cannot be replayed, not even within its own window.
 */
export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, account: string): string {
  return generateURI({ issuer: "Salus", label: account, secret });
}

export async function checkTotp(
  secret: string,
  code: string,
  now: Date,
  lastStep: number | null,
): Promise<{ ok: true; step: number } | { ok: false }> {
  if (!/^\d{6}$/.test(code)) return { ok: false };
  const epoch = Math.floor(now.getTime() / 1000);
  const result = await verify({
    secret,
    token: code,
    epoch,
    epochTolerance: 30,
    ...(lastStep !== null ? { afterTimeStep: lastStep } : {}),
  });
  if (!result.valid) return { ok: false };
  return {
    ok: true,
    step: "timeStep" in result ? Number(result.timeStep) : Math.floor(epoch / 30) + result.delta,
  };
}
