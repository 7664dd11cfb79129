/**
 * The day-of flow core: flow steps, the projection of the rest of the day, re-planning for late
 * patients and overruns, no-show risk and overbooking suggestions. Pure functions; instants are epoch
 * milliseconds. The clinic simulator (`./simulator*.ts`) is exported from its own files.
 */
export {
  allowedNextSteps,
  appointmentStatusForStep,
  assertFlowStep,
  canCheckIn,
  checkFlowStep,
  FLOW_STEPS,
  type FlowAppointmentStatus,
  type FlowStep,
  type FlowStepCheck,
  flowStepLabel,
  isFlowStep,
  nextFlowStep,
} from "./flow-states.ts";
export {
  ageOn,
  type Calibration,
  calibration,
  type NoShowAppointment,
  type NoShowExample,
  type NoShowHistory,
  type NoShowModel,
  type NoShowPrediction,
  type NoShowReason,
  noShowFeatures,
  type PastAppointment,
  patientHistoryBefore,
  predictNoShow,
  type ReliabilityBin,
  splitByTime,
  type TrainOptions,
  trainNoShowModel,
} from "./no-show-risk.ts";
export {
  type OverbookingCosts,
  type OverbookingInput,
  type OverbookingSlotInput,
  type OverbookingSuggestion,
  suggestOverbooking,
} from "./overbooking.ts";
export {
  type DayProjection,
  type DurationStats,
  type DurationTable,
  expectedDurationMs,
  type FlowVisit,
  type PractitionerProjection,
  type ProjectDayInput,
  type ProjectedVisit,
  type ProjectionPolicy,
  projectDay,
  type VisitState,
} from "./projection.ts";
export {
  dayFingerprint,
  type FlowPractitioner,
  type NotifyEntry,
  type PlannedPlace,
  type ProposalChange,
  type ProposalKind,
  type ProposalMetrics,
  pickProposal,
  proposeReplans,
  type ReplanEvent,
  type ReplanInput,
  type ReplanPolicy,
  type ReplanProposal,
  type ReplanResult,
} from "./replan.ts";
