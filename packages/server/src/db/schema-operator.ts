// Tables for operator safety: demo seeding progress, outbox paused after restore (issue 9, item 7).

/** One installation-wide switch owned by the operator (see migration 0010-operator). */
export interface OperatorStateTable {
  /** `outbox-paused`, or `demo-seed:<slug>` while a demo practice is being seeded. */
  key: string;
  /** A small JSON document (when and why). */
  value: string;
  updated_at: string;
}

export interface OperatorTables {
  operator_state: OperatorStateTable;
}

/** Tables in dependency order (parents first), appended to TABLES_IN_ORDER for backup and restore. */
export const OPERATOR_TABLES_IN_ORDER: readonly (keyof OperatorTables)[] = ["operator_state"];
