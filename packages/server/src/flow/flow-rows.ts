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
