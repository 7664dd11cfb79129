/**
 * The scheduling core: availability, slot finding, booking validation and recurring series, as pure
 * functions of their inputs (now, zone and settings are passed in).
 *
 * Names are listed one by one rather than `export *`, so a generic helper here (`addDays`, `PlainDate`)
 * can never clash with another domain's in the package index. Those helpers stay importable from
 * `@salus/core/scheduling/zoned-time`.
 */
export {
  type AvailabilityBlock,
  type AvailabilityException,
  type AvailabilityInput,
  expandAvailability,
  type LocationClosure,
  type ResourceAvailability,
  type ResourceKind,
  type ResourceRef,
  resourceKey,
  validateAvailabilityInput,
  type WeeklyTemplate,
} from "./availability.ts";
export {
  clipIntervals,
  coveredAtLeast,
  intersectIntervals,
  intervalContains,
  intervalsOverlap,
  mergeIntervals,
  subtractIntervals,
  type TimeInterval,
  totalIntervalMs,
} from "./intervals.ts";
export {
  maxCustomLengthMinutes,
  noPatientOverlap,
  overlappingPatientVisits,
  type PatientVisit,
} from "./patient-overlap.ts";
export {
  expandRecurrence,
  formatRecurrenceRule,
  MAX_OCCURRENCES,
  type Occurrence,
  parseRecurrenceRule,
  type RecurrenceExpansion,
  type RecurrenceFrequency,
  type RecurrenceOptions,
  type RecurrenceRule,
  type RecurrenceUntil,
  type RecurrenceWeekday,
  type SeriesStart,
  type SkippedOccurrence,
  splitRecurrence,
} from "./recurrence.ts";
export {
  type AppointmentTypeRules,
  type BookingCheck,
  type BookingProposal,
  type BookingRefusal,
  type BusyInterval,
  checkBooking,
  type EquipmentRequirement,
  findSlots,
  type LocalStart,
  MAX_SLOT_SEARCH_DAYS,
  type OverbookingPolicy,
  type ResourceSchedule,
  type SameTypeBooking,
  type Slot,
  type SlotRequest,
  validateSlotRequest,
} from "./slots.ts";
export {
  instantToLocal,
  type LocalDateTime,
  type LocalResolution,
  localBoundary,
  localDatesInRange,
  localDayBounds,
  localToInstant,
  type ResolvedLocal,
  resolveLocal,
} from "./zoned-time.ts";
