/**
 * National Provider Identifier check (CMS): 10 digits, the last a Luhn check digit computed over the
 * first nine prefixed with the card issuer code 80840.
 */
export function isValidNpi(npi: string): boolean {
  if (!/^\d{10}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  // Double every second digit starting from the rightmost of the payload (the check digit is excluded).
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const check = (10 - (sum % 10)) % 10;
  return check === Number(npi[9]);
}

/** Completes a 9-digit NPI payload with its check digit (used to make demo and test data). */
export function npiWithCheckDigit(first9: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = `${first9}${d}`;
    if (isValidNpi(candidate)) return candidate;
  }
  throw new Error(`cannot complete NPI payload ${first9}`);
}
