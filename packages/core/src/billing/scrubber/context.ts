/**
 * What the scrubber knows besides the claim: today's date in the practice's zone, the ICD-10-CM list of
 * each date of service, the place-of-service list, the rendering practitioner's licenses and the claims
 * already sent that a new one could duplicate. The server reads them from the database, `Claim/$validate`
 * and the tests build them from data; the rules never do I/O.
 */

/** 'billable': a code of the list; 'header': a category with more specific codes under it; 'unknown': neither. */
export type DiagnosisCodeStatus = "billable" | "header" | "unknown";

/** One loaded ICD-10-CM version as the rules see it. */
export interface DiagnosisCodeSet {
  version: string;
  validFrom: string;
  validTo: string;
  /** The status of a normalized code (upper case, no dot). */
  status(code: string): DiagnosisCodeStatus;
}

/** A claim already sent (submitted or later, not rejected) for the same patient and payer. */
export interface SentClaim {
  patientControlNumber: string;
  status: string;
  lines: readonly { procedureCode: string; modifiers: readonly string[]; serviceDate: string }[];
}

export interface ScrubContext {
  /** Today as the practice's local date ('YYYY-MM-DD'): dates of service are local dates. */
  today: string;
  /** The ICD-10-CM list in force on a date of service, or null when none is loaded for it. */
  diagnosisCodeSetFor(date: string): DiagnosisCodeSet | null;
  /** Assigned CMS place-of-service codes; null when the list is not loaded (then only the form is checked). */
  placeOfServiceCodes: ReadonlySet<string> | null;
  /** The rendering practitioner's licenses; null or absent when unknown (not checked). */
  renderingLicenses?: readonly { state: string; expiresOn: string }[] | null;
  /** Claims already sent for this patient and payer; absent when unknown (not checked). */
  sentClaims?: readonly SentClaim[];
}

/**
 * A code set view over a sorted array of codes (the whole list, or just the codes near those a batch
 * asks about): a code is billable when present, a header when some longer code starts with it.
 * Binary search, so a lookup is O(log n) on the 74,000-code list.
 */
export function diagnosisCodeSetOf(
  meta: { version: string; validFrom: string; validTo: string },
  codes: Iterable<string>,
): DiagnosisCodeSet {
  const sorted = [...new Set(codes)].sort();
  const present = new Set(sorted);
  return {
    ...meta,
    status(code: string): DiagnosisCodeStatus {
      if (present.has(code)) {
        // A loaded list that includes headers (the "order" file) marks them; the codes file holds only
        // billable codes. Either way a code with longer codes under it is a header.
        const next = sorted[lowerBound(sorted, code) + 1];
        return next?.startsWith(code) ? "header" : "billable";
      }
      const at = sorted[lowerBound(sorted, code)];
      return at?.startsWith(code) ? "header" : "unknown";
    },
  };
}

/** Index of the first element not less than `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
