import type { FlowStep } from "@salus/core/flow/flow-states";
import type { VisitFlowTable } from "../db/schema-flow.ts";
import type { Trx } from "../db/transaction.ts";

type FlowValues = Partial<Omit<VisitFlowTable, "organization_id" | "appointment_id" | "updated_at">>;

/** Writes some columns of a visit's flow row, creating the row on first write. */
export async function upsertFlow(
  trx: Trx,
  organizationId: string,
  appointmentId: string,
  values: FlowValues,
  at: string,
): Promise<void> {
  const set = { ...values, updated_at: at };
  await trx
    .insertInto("visit_flow")
    .values({
      organization_id: organizationId,
      appointment_id: appointmentId,
      arrived_at: null,
      checked_in_at: null,
      roomed_at: null,
      room_id: null,
      with_practitioner_at: null,
      checked_out_at: null,
      demographics_confirmed: 0,
      insurance_confirmed: 0,
      expected_arrival: null,
      planned_start: null,
      notified_start: null,
      ...set,
    })
    .onConflict((oc) => oc.columns(["organization_id", "appointment_id"]).doUpdateSet(set))
    .execute();
}

/** The last step recorded on a flow row (null: none yet). */
export function lastStep(
  f:
    | Pick<
        VisitFlowTable,
        "arrived_at" | "checked_in_at" | "roomed_at" | "with_practitioner_at" | "checked_out_at"
      >
    | undefined,
): FlowStep | null {
  if (!f) return null;
  if (f.checked_out_at) return "checked-out";
  if (f.with_practitioner_at) return "with-practitioner";
  if (f.roomed_at) return "roomed";
  if (f.checked_in_at) return "checked-in";
  if (f.arrived_at) return "arrived";
  return null;
}
