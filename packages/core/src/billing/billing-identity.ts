import { isValidNpi } from "../directory/npi.ts";
import type { ErrorDetail } from "../shared/domain-error.ts";

/**
 * The practice's billing identity (loops 1000A, 1000B and 2010AA of the 837P): what must be right
 * before a claim can leave. Saving incomplete settings is allowed (a practice fills them in over time);
 * what is wrong is refused, what is missing is listed so the settings page and the biller's home can
 * say what to finish.
 */
export interface BillingIdentity {
  billingName: string;
  billingNpi: string | null;
  taxId: string | null;
  taxonomy: string | null;
  addressLine1: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  phone: string | null;
  submitterId: string | null;
  submitterContactName: string | null;
  submitterContactEmail: string | null;
  receiverId: string | null;
  receiverName: string | null;
}

/** Values that are present but wrong (refused when saved). */
export function billingIdentityErrors(s: BillingIdentity): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (!s.billingName.trim()) out.push({ path: "billingName", message: "must not be empty" });
  if (s.billingNpi && !isValidNpi(s.billingNpi))
    out.push({
      path: "billingNpi",
      message: `${s.billingNpi} is not a valid NPI (10 digits whose last is the check digit); copy it from NPPES`,
    });
  if (s.taxId && !/^\d{9}$/.test(s.taxId))
    out.push({ path: "taxId", message: "must be the 9-digit employer identification number (EIN)" });
  if (s.taxonomy && !/^[0-9A-Z]{9}X$/.test(s.taxonomy))
    out.push({
      path: "taxonomy",
      message: "must be a 10-character provider taxonomy code such as 207Q00000X",
    });
  if (s.postalCode && !/^(\d{5}|\d{9})$/.test(s.postalCode))
    out.push({ path: "postalCode", message: "must be a ZIP code of 5 or 9 digits" });
  if (s.phone && !/^\d{10}$/.test(s.phone))
    out.push({ path: "phone", message: "must be a 10-digit US phone number" });
  if (s.submitterContactEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s.submitterContactEmail))
    out.push({ path: "submitterContactEmail", message: "is not an email address" });
  return out;
}

/** What a claim batch needs and the settings do not have yet. */
export function billingIdentityMissing(s: BillingIdentity): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const need = (path: keyof BillingIdentity, what: string) => {
    if (!s[path]) out.push({ path, message: `${what} is needed on every claim` });
  };
  need("billingNpi", "The billing provider's NPI");
  need("taxId", "The tax id (EIN)");
  need("addressLine1", "The billing address");
  need("city", "The billing address's city");
  need("state", "The billing address's state");
  need("postalCode", "The billing address's ZIP code");
  if (s.postalCode && s.postalCode.length !== 9)
    out.push({
      path: "postalCode",
      message: "The billing provider's ZIP code must have 9 digits (ZIP+4) on an 837P claim",
    });
  const batch = (path: keyof BillingIdentity, what: string) => {
    if (!s[path]) out.push({ path, message: `${what} is needed to send a batch` });
  };
  batch("submitterId", "The submitter id your clearinghouse gave you");
  batch("submitterContactName", "A submitter contact name");
  batch("receiverId", "The receiver (clearinghouse) id");
  batch("receiverName", "The receiver (clearinghouse) name");
  return out;
}
