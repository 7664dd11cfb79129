import type { Role } from "@salus/core/security/permissions";
import type {
  TokenView as ApiToken,
  AuditEntryView as AuditEntry,
  AuditFilters,
  CreatedToken as CreateTokenResponse,
  InviteAnswer as CreateUserResponse,
  InvitationView as Invitation,
  InvitationPreview,
  OrganizationView as Organization,
  UserView as User,
} from "@salus/server/admin/schemas";
import type {
  AuthStep as AuthStepResponse,
  SignInRequest as LoginRequest,
  MfaEnrollment as MfaEnrollResponse,
  SessionView as Session,
} from "@salus/server/auth/schemas";
import type {
  EquipmentView as Equipment,
  LicenseView as License,
  LocationView as Location,
  PatientView as Patient,
  RoomView as Room,
  StaffKind,
  StaffView as StaffMember,
} from "@salus/server/directory/schemas";
import type {
  AppointmentView as Appointment,
  AppointmentStatus,
  AppointmentTypeView as AppointmentType,
  BlockView as AvailabilityBlock,
  ExceptionView as AvailabilityException,
  TemplateView as AvailabilityTemplate,
  BookRequest,
  CancelledBy,
  WaitlistRequest as NewWaitlistEntry,
  RescheduleRequest,
  SchedulingSettings,
  SlotView as Slot,
  UndoNoShowResult,
  WaitlistEntryView as WaitlistEntry,
} from "@salus/server/scheduling/schemas";
import type { ListParams, ListResponse } from "./client.ts";
import { api, setCsrfToken } from "./client.ts";

async function step(promise: Promise<AuthStepResponse>): Promise<AuthStepResponse> {
  const answer = await promise;
  if (answer?.csrfToken) setCsrfToken(answer.csrfToken);
  return answer;
}

export const auth = {
  login: (body: LoginRequest) => step(api("/api/auth/login", { body, quietOn401: true })),
  verifyMfa: (code: string) => step(api("/api/auth/mfa/verify", { body: { code }, quietOn401: true })),
  enrollMfa: () => api<MfaEnrollResponse>("/api/auth/mfa/enroll", { body: {}, quietOn401: true }),
  confirmMfa: (code: string) =>
    step(api("/api/auth/mfa/enroll/confirm", { body: { code }, quietOn401: true })),
  changePassword: (currentPassword: string, newPassword: string) =>
    step(api("/api/auth/password", { body: { currentPassword, newPassword }, quietOn401: true })),
  logout: () => api<void>("/api/auth/logout", { body: {}, quietOn401: true }),
  session: async (): Promise<Session> => {
    const session = await api<Session>("/api/auth/session", { quietOn401: true });
    setCsrfToken(session.csrfToken);
    return session;
  },
  switchOrganization: async (organization: string): Promise<Session> => {
    const session = await api<Session>("/api/auth/switch-organization", { body: { organization } });
    setCsrfToken(session.csrfToken);
    return session;
  },
};

type Changes<T> = Partial<Omit<T, "id">>;

function resource<T extends { id: string }, Q extends object = ListParams>(base: string) {
  return {
    list: (params: Q & ListParams = {} as Q & ListParams, signal?: AbortSignal) =>
      api<ListResponse<T>>(base, { query: params as Record<string, string | number | undefined>, signal }),
    get: (id: string, signal?: AbortSignal) => api<T>(`${base}/${encodeURIComponent(id)}`, { signal }),
    create: (body: Changes<T>) => api<T>(base, { method: "POST", body }),
    update: (id: string, body: Changes<T>) =>
      api<T>(`${base}/${encodeURIComponent(id)}`, { method: "PATCH", body }),
  };
}

export const organization = {
  get: (signal?: AbortSignal) => api<Organization>("/api/organization", { signal }),
  update: (body: Changes<Omit<Organization, "slug">>) =>
    api<Organization>("/api/organization", { method: "PATCH", body }),
};

export const locations = resource<Location>("/api/locations");
export const rooms = resource<Room, { locationId?: string }>("/api/rooms");
export const equipment = resource<Equipment, { locationId?: string }>("/api/equipment");
export const patients = resource<Patient>("/api/patients");
export const staff = {
  ...resource<StaffMember, { kind?: StaffKind }>("/api/staff"),
  addLicense: (staffId: string, body: Omit<License, "id">) =>
    api<License>(`/api/staff/${encodeURIComponent(staffId)}/licenses`, { method: "POST", body }),
  updateLicense: (staffId: string, licenseId: string, body: Partial<Omit<License, "id">>) =>
    api<License>(`/api/staff/${encodeURIComponent(staffId)}/licenses/${encodeURIComponent(licenseId)}`, {
      method: "PATCH",
      body,
    }),
  removeLicense: (staffId: string, licenseId: string) =>
    api<void>(`/api/staff/${encodeURIComponent(staffId)}/licenses/${encodeURIComponent(licenseId)}`, {
      method: "DELETE",
    }),
};

export const users = {
  list: (signal?: AbortSignal) => api<ListResponse<User>>("/api/users", { query: { limit: 200 }, signal }),
  create: (body: { email: string; displayName: string; roles: Role[] }) =>
    api<CreateUserResponse>("/api/users", { method: "POST", body }),
  update: (id: string, body: { roles?: Role[]; disabled?: boolean; displayName?: string }) =>
    api<User>(`/api/users/${encodeURIComponent(id)}`, { method: "PATCH", body }),
  createServiceAccount: (body: { name: string; roles: Role[] }) =>
    api<User>("/api/service-accounts", { method: "POST", body }),
};

export const invitations = {
  list: (signal?: AbortSignal) => api<ListResponse<Invitation>>("/api/invitations", { signal }),
  cancel: (id: string) => api<void>(`/api/invitations/${encodeURIComponent(id)}`, { method: "DELETE" }),
  preview: (token: string) =>
    api<InvitationPreview>("/api/invitations/preview", { method: "POST", body: { token } }),
  accept: (token: string) =>
    api<{ organization: { slug: string; name: string } }>("/api/invitations/accept", {
      method: "POST",
      body: { token },
    }),
  acceptNew: (token: string, password: string) =>
    api<{ email: string }>("/api/invitations/accept-new", { method: "POST", body: { token, password } }),
};

export const tokens = {
  list: (signal?: AbortSignal) =>
    api<ListResponse<ApiToken>>("/api/tokens", { query: { limit: 200 }, signal }),
  create: (body: { name: string; userId?: string; role: Role }) =>
    api<CreateTokenResponse>("/api/tokens", { method: "POST", body }),
  revoke: (id: string) => api<void>(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }),
};

export function auditQuery(filters: AuditFilters): Record<string, string | undefined> {
  return {
    userId: filters.userId,
    patientId: filters.patientId,
    action: filters.action,
    from: filters.from,
    to: filters.to,
  };
}

export const audit = {
  list: (filters: AuditFilters & { limit?: number; offset?: number }, signal?: AbortSignal) =>
    api<ListResponse<AuditEntry>>("/api/audit", {
      query: { ...auditQuery(filters), limit: filters.limit, offset: filters.offset },
      signal,
    }),
  /** The action names for the filter; accepts a bare array or a list answer. */
  actions: async (signal?: AbortSignal): Promise<string[]> => {
    const answer = await api<unknown>("/api/audit/actions", { signal });
    const raw = Array.isArray(answer)
      ? answer
      : ((answer as { items?: unknown[]; actions?: unknown[] } | null)?.items ??
        (answer as { actions?: unknown[] } | null)?.actions ??
        []);
    return raw
      .map((item) =>
        typeof item === "string"
          ? item
          : ((item as { name?: string; action?: string })?.name ?? (item as { action?: string })?.action),
      )
      .filter((item): item is string => typeof item === "string");
  },
};

const enc = encodeURIComponent;

export const scheduling = {
  settings: (signal?: AbortSignal) => api<SchedulingSettings>("/api/scheduling/settings", { signal }),
  types: (signal?: AbortSignal) => api<ListResponse<AppointmentType>>("/api/appointment-types", { signal }),
  templates: (locationId: string, signal?: AbortSignal) =>
    api<ListResponse<AvailabilityTemplate>>("/api/availability/templates", { query: { locationId }, signal }),
  exceptions: (q: { locationId: string; from: string; to: string }, signal?: AbortSignal) =>
    api<ListResponse<AvailabilityException>>("/api/availability/exceptions", { query: q, signal }),
  blocks: (q: { from: string; to: string }, signal?: AbortSignal) =>
    api<ListResponse<AvailabilityBlock>>("/api/availability/blocks", { query: q, signal }),
  slots: (
    q: {
      appointmentTypeId: string;
      locationId: string;
      practitionerId?: string;
      from: string;
      to: string;
      limit?: number;
      eachPractitioner?: boolean;
    },
    signal?: AbortSignal,
  ) => api<{ items: Slot[] }>("/api/slots", { query: q, signal }),
  appointments: (
    q: { from: string; to: string; locationId?: string; practitionerId?: string; limit?: number },
    signal?: AbortSignal,
  ) => api<ListResponse<Appointment>>("/api/appointments", { query: { limit: 1000, ...q }, signal }),
  appointment: (id: string, signal?: AbortSignal) =>
    api<Appointment>(`/api/appointments/${enc(id)}`, { signal }),
  book: (body: BookRequest) => api<Appointment>("/api/appointments", { method: "POST", body }),
  reschedule: (id: string, body: RescheduleRequest) =>
    api<Appointment>(`/api/appointments/${enc(id)}/reschedule`, { method: "POST", body }),
  cancel: (id: string, body: { reason: string; cancelledBy?: CancelledBy; expectedVersion?: number }) =>
    api<Appointment>(`/api/appointments/${enc(id)}/cancel`, { method: "POST", body }),
  setStatus: (id: string, status: AppointmentStatus, expectedVersion?: number) =>
    api<Appointment>(`/api/appointments/${enc(id)}/status`, {
      method: "POST",
      body: { status, expectedVersion },
    }),
  undoNoShow: (id: string, body: { reason?: string; expectedVersion?: number }) =>
    api<UndoNoShowResult>(`/api/appointments/${enc(id)}/undo-no-show`, { method: "POST", body }),
  waitlist: (signal?: AbortSignal) => api<ListResponse<WaitlistEntry>>("/api/waitlist", { signal }),
  addToWaitlist: (body: NewWaitlistEntry) => api<WaitlistEntry>("/api/waitlist", { method: "POST", body }),
  removeFromWaitlist: (id: string) => api<void>(`/api/waitlist/${enc(id)}`, { method: "DELETE" }),
  acceptOffer: (id: string) =>
    api<Appointment>(`/api/waitlist/offers/${enc(id)}/accept`, { method: "POST", body: {} }),
  declineOffer: (id: string) =>
    api<void>(`/api/waitlist/offers/${enc(id)}/decline`, { method: "POST", body: {} }),
};
