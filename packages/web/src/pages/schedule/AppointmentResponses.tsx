import { Loader } from "@mantine/core";
import type { AppointmentResponseView as AppointmentResponse } from "@salus/server/scheduling/schemas";
import { useQuery } from "@tanstack/react-query";
import { scheduling } from "../../api/endpoints.ts";
import { Field } from "../../components/Field.tsx";
import { formatDateTimeZoned } from "../../lib/zoned.ts";

const KIND: Record<AppointmentResponse["kind"], string> = {
  "reminder-confirmed": "Reminder confirmed",
  "offer-accepted": "Waitlist offer accepted",
};
const VIA: Record<string, string> = {
  "sms-link": "through the link in the SMS",
  "email-link": "through the link in the email",
  link: "through a link",
  staff: "at the front desk",
};

/** One answer in words: "Reminder confirmed by the patient, Mar 9, 10:02 AM, through the link in the SMS (/r/AbC…)". */
export function responseInWords(r: AppointmentResponse, timeZone: string, currentVersion: number): string {
  const who = r.by === "patient" ? "by the patient" : `by ${r.by}`;
  const link = r.link && r.via !== "staff" ? ` (${r.link.split("?")[0]})` : "";
  const stale = r.version !== currentVersion ? "; the visit has changed since" : "";
  return `${KIND[r.kind]} ${who}, ${formatDateTimeZoned(r.at, timeZone)}, ${VIA[r.via] ?? r.via}${link}${stale}`;
}

/**
 * What the patient answered about this appointment (issue 10, item 5): who confirmed a reminder, when and
 * through which link, and who accepted a waitlist offer. Read from GET /api/appointments/:id.
 */
export function AppointmentResponses({
  appointmentId,
  version,
  timeZone,
}: {
  appointmentId: string;
  version: number;
  timeZone: string;
}) {
  const q = useQuery({
    queryKey: ["appointment", appointmentId, version],
    queryFn: ({ signal }) => scheduling.appointment(appointmentId, signal),
  });
  const responses = q.data?.responses ?? [];
  return (
    <Field label="Patient answers">
      {q.isPending ? (
        <Loader size="xs" aria-label="Loading answers" />
      ) : q.isError ? (
        "Could not load the answers."
      ) : responses.length ? (
        responses.map((r) => (
          <span key={`${r.kind}-${r.at}`} style={{ display: "block" }}>
            {responseInWords(r, timeZone, version)}
          </span>
        ))
      ) : (
        "No reminder confirmed or offer accepted yet."
      )}
    </Field>
  );
}
