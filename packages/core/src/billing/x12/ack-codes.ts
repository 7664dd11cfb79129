/**
 * The codes of 999 and 277CA acknowledgements in words, so the rejection worklist says what went wrong
 * ("Entity's National Provider Identifier (NPI): Billing Provider") rather than "A7:562:85". Written
 * from the X12 code lists; a code not listed here is shown by its number.
 */

/** IK304: segment syntax error. */
export const IK3_SEGMENT_ERRORS: Record<string, string> = {
  "1": "Unrecognized segment ID",
  "2": "Unexpected segment",
  "3": "Required segment missing",
  "4": "Loop occurs over maximum times",
  "5": "Segment exceeds maximum use",
  "6": "Segment not in defined transaction set",
  "7": "Segment not in proper sequence",
  "8": "Segment has data element errors",
  I4: "Segment not used in the implementation is present",
  I6: "Implementation dependent segment missing",
  I7: "Implementation loop occurs under minimum times",
  I8: "Implementation segment below minimum use",
  I9: "Implementation dependent 'not used' segment present",
};

/** IK403: data element syntax error. */
export const IK4_ELEMENT_ERRORS: Record<string, string> = {
  "1": "Required data element missing",
  "2": "Conditional required data element missing",
  "3": "Too many data elements",
  "4": "Data element too short",
  "5": "Data element too long",
  "6": "Invalid character in data element",
  "7": "Invalid code value",
  "8": "Invalid date",
  "9": "Invalid time",
  "10": "Exclusion condition violated",
  "12": "Too many repetitions",
  "13": "Too many components",
  I6: "Code value not used in the implementation",
  I9: "Implementation dependent data element missing",
  I10: "Data element not used in the implementation is present",
  I11: "Implementation too few repetitions",
  I12: "Implementation pattern match failure",
  I13: "Implementation dependent 'not used' data element present",
};

/** IK502..IK506: transaction set syntax error. */
export const IK5_TRANSACTION_ERRORS: Record<string, string> = {
  "1": "Transaction set not supported",
  "2": "Transaction set trailer missing",
  "3": "Transaction set control number in header and trailer do not match",
  "4": "Number of included segments does not match actual count",
  "5": "One or more segments in error",
  "6": "Missing or invalid transaction set identifier",
  "7": "Missing or invalid transaction set control number",
  "8": "Authentication key name unknown",
  "9": "Encryption key name unknown",
  "10": "Requested service (authentication or encryption) not available",
  "11": "Unknown security recipient",
  "12": "Incorrect message length (encryption)",
  "13": "Message authentication code failed",
  "15": "Unknown security originator",
  "16": "Syntax error in decrypted text",
  "17": "Security not supported",
  "18": "Transaction set not in functional group",
  "19": "Invalid transaction set implementation convention reference",
  "23": "Transaction set control number not unique within the functional group",
  "24": "S3E security end segment missing for S3S security start segment",
  "25": "S3S security start segment missing for S3E security end segment",
  "26": "S4E security end segment missing for S4S security start segment",
  "27": "S4S security start segment missing for S4E security end segment",
  I5: "Implementation one or more segments in error",
  I6: "Implementation convention not supported",
};

/** Claim status category codes (STC01-1) of a 277CA. */
export const STATUS_CATEGORIES: Record<string, string> = {
  A0: "Acknowledged: forwarded to another entity",
  A1: "Acknowledged: received",
  A2: "Accepted into adjudication",
  A3: "Rejected: returned as unprocessable",
  A4: "Rejected: not found",
  A5: "Accepted: split claim",
  A6: "Rejected: missing information",
  A7: "Rejected: invalid information",
  A8: "Rejected: relational field in error",
  E0: "Error: response not possible, system status",
  E1: "Error: response not possible, system not available",
  E2: "Error: information holder not responding, resubmit later",
};

/** The most frequent claim status codes (STC01-2) on 277CA rejections. */
export const CLAIM_STATUS_CODES: Record<string, string> = {
  "0": "Cannot provide further status electronically",
  "3": "Claim has been adjudicated and is awaiting payment cycle",
  "19": "Entity acknowledges receipt of claim",
  "20": "Accepted for processing",
  "21": "Missing or invalid information",
  "33": "Subscriber and subscriber id not found",
  "35": "Claim or encounter not found",
  "96": "No agreement with entity",
  "97": "Patient eligibility not found with entity",
  "116": "Claim submitted to incorrect payer",
  "145": "Entity's specialty or taxonomy code",
  "153": "Entity's id number",
  "158": "Entity's date of birth",
  "159": "Entity's date of death",
  "164": "Entity's contract or member number",
  "178": "Submitted charges",
  "187": "Date(s) of service",
  "189": "Facility type code",
  "191": "Patient's diagnosis code",
  "254": "Principal diagnosis code",
  "255": "Diagnosis code",
  "400": "Claim is out of balance",
  "454": "Procedure code for services rendered",
  "455": "Revenue code for services rendered",
  "456": "Covered days",
  "458": "Units of service",
  "464": "Payer assigned claim control number",
  "477": "Missing, invalid or not matching modifier",
  "484": "Place of service",
  "494": "Other insurance information",
  "496": "Submitter not approved for electronic claim submissions on behalf of this entity",
  "507": "HCPCS",
  "509": "Entity's first name",
  "510": "Entity's last name",
  "513": "Entity's address",
  "533": "Duplicate of a previously processed claim or line",
  "545": "Entity's gender",
  "562": "Entity's National Provider Identifier (NPI)",
  "581": "Entity's employer identification number (EIN)",
  "593": "Entity's tax identifier",
  "673": "Patient control number",
  "697": "Invalid combination",
  "732": "Information submitted inconsistent with billing guidelines",
};

/** Entity identifier codes (STC01-3) seen on claim status. */
export const ENTITY_CODES: Record<string, string> = {
  "03": "Dependent",
  "40": "Receiver",
  "41": "Submitter",
  "77": "Service location",
  "82": "Rendering provider",
  "85": "Billing provider",
  "87": "Pay-to provider",
  DK: "Ordering physician",
  DN: "Referring provider",
  IL: "Insured or subscriber",
  PR: "Payer",
  QC: "Patient",
};

/** "Entity's National Provider Identifier (NPI): Billing provider" for status 562 and entity 85. */
export function describe277Status(status: string, entity: string): string {
  const words = status ? (CLAIM_STATUS_CODES[status] ?? `status code ${status}`) : "no status code";
  if (!entity) return words;
  return `${words}: ${ENTITY_CODES[entity] ?? `entity ${entity}`}`;
}
