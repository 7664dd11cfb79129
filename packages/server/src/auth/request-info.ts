/** Who sent a request, as audit entries and security events record it. */
export interface RequestInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
