import {
  AliasNode,
  BinaryOperationNode,
  ColumnNode,
  type ColumnUpdateNode,
  type CommonTableExpressionNode,
  type DeleteQueryNode,
  IdentifierNode,
  InsertQueryNode,
  JoinNode,
  type KyselyPlugin,
  ListNode,
  OnConflictNode,
  type OperationNode,
  OperationNodeTransformer,
  OperatorNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  RawNode,
  ReferenceNode,
  type RootOperationNode,
  SelectionNode,
  SelectQueryNode,
  TableNode,
  type UnknownRow,
  type UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  WhereNode,
} from "kysely";
import type { Db } from "./connection.ts";
import type { Database } from "./schema.ts";
import { inSnapshot, type Trx } from "./transaction.ts";

/**
 * Data access bound to one organization, by construction (issue 11, item 2).
 *
 * `audited()` hands every use case `scopeToOrganization(trx, actor.organizationId)`: the same transaction
 * with a Kysely plugin that rewrites each query before it is compiled, for every table that holds an
 * organization's rows (SCOPE_COLUMN below: a compile-time complete list):
 *
 * - select / update / delete: `organization_id = <org>` is added for every scoped table the statement
 *   reads or changes: its FROM tables (WHERE), its joins (ON, so a left join stays a left join), the
 *   tables of `update … from` and `delete … using`, and the same inside every subquery, CTE body,
 *   union branch and `in (…)` list, aliased or not;
 * - insert: a missing `organization_id` is filled in; a row naming another organization is refused, and
 *   so is an `insert … select` whose organization column is not a value or the scoped column of a
 *   scoped table; an upsert's `do update` only ever updates a row of the organization;
 * - update `set organization_id = …` to anything but the organization is refused;
 * - a raw `sql` statement (sql`…`.execute(trx)) cannot be rewritten, so it is refused unless it touches
 *   no table (savepoints, `set constraints`): run it on `systemTrx(trx)` and filter it by hand, which a
 *   review then sees. Raw fragments INSIDE a builder query are left alone (their embedded builder
 *   subqueries are scoped); the exception test lists the files whose fragments name a table.
 *
 * The scoped handle shares the transaction, so the audit entry (written by `audited()` on the raw
 * transaction) commits with the work. `systemTrx(trx)` is the explicit way out for the few use cases
 * that must cross organizations inside an audited operation; scoped-handle.int.test.ts lists the files
 * that call it and the files that use the raw database handle, so a review sees every exception.
 *
 * Not covered (no organization column): users (platform accounts), audit_heads (chains are keyed by
 * organization id), auth_throttle, operator_state, code sets, migrations.
 */

/** Tables with an `organization_id` column, from the schema's types (a new one must be listed below). */
type OrganizationTable = {
  [K in keyof Database]: "organization_id" extends keyof Database[K] ? K : never;
}[keyof Database];

/**
 * The column holding the organization, per scoped table. `Record<OrganizationTable, …>` makes the
 * type-checker refuse a table added to the schema with an organization column but missing here, and
 * scoped-handle.int.test.ts checks the same against the migrated database on both dialects.
 * `organizations` is scoped on its own id: a practice sees its own settings only.
 */
export const SCOPE_COLUMN: Readonly<Record<OrganizationTable, "organization_id"> & { organizations: "id" }> =
  {
    organizations: "id",
    account_invitations: "organization_id",
    accounting_periods: "organization_id",
    allergies: "organization_id",
    amendments: "organization_id",
    api_tokens: "organization_id",
    appointment_resources: "organization_id",
    appointment_responses: "organization_id",
    appointment_risks: "organization_id",
    appointment_series: "organization_id",
    appointment_types: "organization_id",
    appointments: "organization_id",
    audit_entries: "organization_id",
    availability_blocks: "organization_id",
    availability_exceptions: "organization_id",
    availability_templates: "organization_id",
    billing_settings: "organization_id",
    break_glass_grants: "organization_id",
    calendar_feeds: "organization_id",
    care_team_grants: "organization_id",
    charges: "organization_id",
    claim_acknowledgements: "organization_id",
    claim_batches: "organization_id",
    claim_lines: "organization_id",
    claim_rejections: "organization_id",
    claim_transitions: "organization_id",
    claims: "organization_id",
    clinical_documents: "organization_id",
    clinical_notes: "organization_id",
    clinical_revisions: "organization_id",
    coverages: "organization_id",
    disclosures: "organization_id",
    encounter_diagnoses: "organization_id",
    encounter_procedures: "organization_id",
    encounters: "organization_id",
    equipment: "organization_id",
    fee_schedule_entries: "organization_id",
    fee_schedules: "organization_id",
    flow_days: "organization_id",
    flow_proposals: "organization_id",
    flow_settings: "organization_id",
    idempotency_keys: "organization_id",
    ledger_entries: "organization_id",
    locations: "organization_id",
    medications: "organization_id",
    memberships: "organization_id",
    no_show_fees: "organization_id",
    no_show_models: "organization_id",
    outbox_messages: "organization_id",
    patient_consents: "organization_id",
    patient_merges: "organization_id",
    patient_search_terms: "organization_id",
    patients: "organization_id",
    payers: "organization_id",
    practitioner_licenses: "organization_id",
    problems: "organization_id",
    records_settings: "organization_id",
    rooms: "organization_id",
    scheduling_settings: "organization_id",
    scrub_rule_settings: "organization_id",
    sessions: "organization_id",
    short_links: "organization_id",
    staff_members: "organization_id",
    visit_flow: "organization_id",
    waitlist_entries: "organization_id",
    waitlist_offers: "organization_id",
  };

const SCOPED: ReadonlyMap<string, string> = new Map(Object.entries(SCOPE_COLUMN));

/** The handle a use case gets from `audited()`: its queries bound to the actor's organization. */
export type ScopedTrx = Trx;

/** Scoped handle → the transaction it wraps (for `systemTrx` and for per-transaction bookkeeping). */
const underlying = new WeakMap<Trx, Trx>();

/** Raw root statements that touch no table and may run on the scoped handle. */
const TABLELESS_STATEMENT =
  /^\s*(savepoint|release\s+savepoint|rollback\s+to\s+savepoint|set\s+constraints)\b/i;

/** Thrown for a query the scoping cannot make safe (a programming error: it reaches the caller as a 500). */
export class ScopeViolation extends Error {
  override name = "ScopeViolation";
}

/** The same transaction, every query bound to `organizationId` (see the file comment). */
export function scopeToOrganization(trx: Trx, organizationId: string): ScopedTrx {
  const raw = systemTrx(trx);
  const scoped = raw.withPlugin(new OrganizationScopePlugin(organizationId));
  underlying.set(scoped, raw);
  return scoped;
}

/**
 * The connection pool bound to one organization, for its reads outside `audited()` (settings, directory
 * lists, availability): the same scope as the use cases' handle, without a transaction.
 */
export function organizationDb(db: { kysely: Trx }, organizationId: string): ScopedTrx {
  return db.kysely.withPlugin(new OrganizationScopePlugin(organizationId));
}

/**
 * A read-only snapshot (db/transaction.ts `inSnapshot`) whose queries are bound to one organization: for
 * reports and projections that read many tables of one practice consistently, outside `audited()`.
 */
export function inOrganizationSnapshot<T>(
  db: Db,
  organizationId: string,
  fn: (trx: ScopedTrx) => Promise<T>,
): Promise<T> {
  return inSnapshot(db, (trx) => fn(scopeToOrganization(trx, organizationId)));
}

/**
 * SYSTEM ACCESS: the unscoped transaction behind a scoped handle (the handle itself when it is not
 * scoped). For the few reads and writes that must cross organizations inside one audited operation
 * (an account's memberships everywhere, the audit entries written to other organizations' trails, a raw
 * statement filtered by hand). Every caller is listed in scoped-handle.int.test.ts.
 */
export function systemTrx(trx: Trx): Trx {
  return underlying.get(trx) ?? trx;
}

/** A key that is the same for a scoped handle and its transaction (for WeakMaps of per-operation facts). */
export function transactionKey(trx: Trx): Trx {
  return systemTrx(trx);
}

/** The Kysely plugin behind `scopeToOrganization` (exported for its tests). */
export class OrganizationScopePlugin implements KyselyPlugin {
  readonly #transformer: OrganizationScopeTransformer;

  constructor(readonly organizationId: string) {
    this.#transformer = new OrganizationScopeTransformer(organizationId);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (RawNode.is(node)) {
      if (TABLELESS_STATEMENT.test(node.sqlFragments[0] ?? "")) return node;
      throw new ScopeViolation(
        "A raw SQL statement cannot be bound to the organization: build it with the query builder, " +
          `or run it on systemTrx(trx) with its own organization filter. Statement: ${node.sqlFragments.join("?").slice(0, 120)}`,
      );
    }
    if (node.kind === "MergeQueryNode")
      throw new ScopeViolation("MERGE is not supported on the scoped handle.");
    if (
      node.kind !== "SelectQueryNode" &&
      node.kind !== "InsertQueryNode" &&
      node.kind !== "UpdateQueryNode" &&
      node.kind !== "DeleteQueryNode"
    ) {
      // Schema changes (create table, …) never run inside a use case.
      throw new ScopeViolation(`${node.kind} is not allowed on the scoped handle.`);
    }
    return this.#transformer.transformNode(node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** `name` of a table reference (`patients`, `patients as p`), with the name to qualify its columns by. */
function tableRef(node: OperationNode): { table: string; qualifier: string } | null {
  if (TableNode.is(node)) {
    if (node.table.schema) return null;
    const name = node.table.identifier.name;
    return { table: name, qualifier: name };
  }
  if (AliasNode.is(node) && TableNode.is(node.node) && IdentifierNode.is(node.alias)) {
    if (node.node.table.schema) return null;
    return { table: node.node.table.identifier.name, qualifier: node.alias.name };
  }
  return null;
}

class OrganizationScopeTransformer extends OperationNodeTransformer {
  /**
   * The query nodes this transformer produced. Kysely already runs the plugin on a subquery built with
   * the scoped handle when it is embedded in another query, so the root's pass would filter it twice:
   * a node seen here is returned as it is.
   */
  readonly #done = new WeakSet<OperationNode>();

  constructor(readonly organizationId: string) {
    super();
  }

  #mark<T extends OperationNode>(node: T): T {
    this.#done.add(node);
    return node;
  }

  /**
   * A CTE named like a scoped table would shadow it, and its references would then be filtered on a
   * column it may not have (or, worse, left unfiltered if we skipped the name): refused.
   */
  protected override transformCommonTableExpression(
    node: CommonTableExpressionNode,
    queryId?: QueryId,
  ): CommonTableExpressionNode {
    const name = node.name.table.table.identifier.name;
    if (SCOPED.has(name)) throw new ScopeViolation(`A CTE may not be named like the table ${name}.`);
    return super.transformCommonTableExpression(node, queryId);
  }

  /** `qualifier.column = <org>` for a scoped table reference, else null. */
  private filterFor(node: OperationNode): OperationNode | null {
    const ref = tableRef(node);
    if (!ref) return null;
    const column = SCOPED.get(ref.table);
    if (!column) return null;
    return BinaryOperationNode.create(
      ReferenceNode.create(ColumnNode.create(column), TableNode.create(ref.qualifier)),
      OperatorNode.create("="),
      ValueNode.create(this.organizationId),
    );
  }

  private filtersFor(nodes: ReadonlyArray<OperationNode> | undefined): OperationNode[] {
    const out: OperationNode[] = [];
    for (const n of nodes ?? []) {
      const items = ListNode.is(n) ? n.items : [n];
      for (const item of items) {
        const f = this.filterFor(item);
        if (f) out.push(f);
      }
    }
    return out;
  }

  private withWhere(where: WhereNode | undefined, filters: OperationNode[]): WhereNode | undefined {
    let out = where;
    for (const f of filters) out = out ? WhereNode.cloneWithOperation(out, "And", f) : WhereNode.create(f);
    return out;
  }

  /** Joins: the filter goes into ON (a left join keeps its unmatched rows); a join without ON gets it in WHERE. */
  private scopeJoins(joins: ReadonlyArray<JoinNode> | undefined): {
    joins: ReadonlyArray<JoinNode> | undefined;
    whereFilters: OperationNode[];
  } {
    if (!joins) return { joins, whereFilters: [] };
    const whereFilters: OperationNode[] = [];
    const out = joins.map((join) => {
      const f = this.filterFor(join.table);
      if (!f) return join;
      if (join.joinType === "Using")
        throw new ScopeViolation("JOIN … USING is not supported on the scoped handle.");
      if (join.on) return JoinNode.cloneWithOn(join, f);
      if (join.joinType === "InnerJoin" || join.joinType === "CrossJoin") {
        whereFilters.push(f);
        return join;
      }
      return JoinNode.createWithOn(join.joinType, join.table, f);
    });
    return { joins: out, whereFilters };
  }

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    if (this.#done.has(node)) return node;
    const t = super.transformSelectQuery(node, queryId);
    const { joins, whereFilters } = this.scopeJoins(t.joins);
    const filters = [...this.filtersFor(t.from?.froms), ...whereFilters];
    if (filters.length === 0 && joins === t.joins) return this.#mark(t);
    return this.#mark({ ...t, joins, where: this.withWhere(t.where, filters) });
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    if (this.#done.has(node)) return node;
    const t = super.transformUpdateQuery(node, queryId);
    for (const u of t.updates ?? []) this.checkOrganizationUpdate(t.table, u);
    const { joins, whereFilters } = this.scopeJoins(t.joins);
    const filters = [
      ...this.filtersFor(t.table ? [t.table] : []),
      ...this.filtersFor(t.from?.froms),
      ...whereFilters,
    ];
    return this.#mark({ ...t, joins, where: this.withWhere(t.where, filters) });
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    if (this.#done.has(node)) return node;
    const t = super.transformDeleteQuery(node, queryId);
    const { joins, whereFilters } = this.scopeJoins(t.joins);
    const filters = [...this.filtersFor(t.from.froms), ...this.filtersFor(t.using?.tables), ...whereFilters];
    return this.#mark({ ...t, joins, where: this.withWhere(t.where, filters) });
  }

  /** `set organization_id = …` may only keep the organization (moving a row to another one is refused). */
  private checkOrganizationUpdate(table: OperationNode | undefined, update: ColumnUpdateNode): void {
    const tables = table ? (ListNode.is(table) ? table.items : [table]) : [];
    const columns = new Set(tables.map((t) => SCOPED.get(tableRef(t)?.table ?? "")).filter(Boolean));
    const col = update.column;
    if (!ColumnNode.is(col) || !columns.has(col.column.name)) return;
    if (ValueNode.is(update.value) && update.value.value === this.organizationId) return;
    throw new ScopeViolation(`An update may not move a row to another organization (${col.column.name}).`);
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    if (this.#done.has(node)) return node;
    return this.#mark(this.#scopeInsert(super.transformInsertQuery(node, queryId)));
  }

  #scopeInsert(t: InsertQueryNode): InsertQueryNode {
    const ref = t.into ? tableRef(t.into) : null;
    const column = ref ? SCOPED.get(ref.table) : undefined;
    if (!ref || !column) return t;
    let out = t;
    const columns = t.columns ?? [];
    const at = columns.findIndex((c) => c.column.name === column);
    if (t.values && ValuesNode.is(t.values)) {
      if (at >= 0) {
        for (const row of t.values.values) this.checkInsertedValue(ref.table, row, at);
      } else {
        const rows = t.values.values.map((row) =>
          PrimitiveValueListNode.is(row)
            ? PrimitiveValueListNode.create([...row.values, this.organizationId])
            : ValueListNode.create([...row.values, ValueNode.create(this.organizationId)]),
        );
        out = InsertQueryNode.cloneWith(t, {
          columns: [...columns, ColumnNode.create(column)],
          values: ValuesNode.create(rows),
        });
      }
    } else if (t.values && SelectQueryNode.is(t.values)) {
      const select = t.values;
      if (select.setOperations?.length) {
        throw new ScopeViolation("insert … select with a union is not supported on the scoped handle.");
      }
      if (at >= 0) {
        this.checkSelectedOrganization(ref.table, select, at);
      } else {
        out = InsertQueryNode.cloneWith(t, {
          columns: [...columns, ColumnNode.create(column)],
          values: SelectQueryNode.cloneWithSelections(select, [
            SelectionNode.create(
              AliasNode.create(ValueNode.create(this.organizationId), IdentifierNode.create(column)),
            ),
          ]),
        });
      }
    } else if (t.values || t.defaultValues) {
      throw new ScopeViolation(`This insert into ${ref.table} cannot be bound to the organization.`);
    }
    if (out.onConflict && !out.onConflict.doNothing && out.onConflict.updates) {
      // An upsert whose conflict target lacks the organization column could otherwise update a row of
      // another organization: the update is limited to the organization's rows (the insert is not made).
      const f = BinaryOperationNode.create(
        ReferenceNode.create(ColumnNode.create(column), TableNode.create(ref.table)),
        OperatorNode.create("="),
        ValueNode.create(this.organizationId),
      );
      out = InsertQueryNode.cloneWith(out, {
        onConflict: OnConflictNode.cloneWithUpdateWhere(out.onConflict, f),
      });
    }
    return out;
  }

  private checkInsertedValue(table: string, row: OperationNode, at: number): void {
    if (PrimitiveValueListNode.is(row)) {
      if (row.values[at] === this.organizationId) return;
    } else if (ValueListNode.is(row)) {
      const v = row.values[at];
      if (v && ValueNode.is(v) && v.value === this.organizationId) return;
    }
    throw new ScopeViolation(`An insert into ${table} names another organization.`);
  }

  /** insert … select: the organization column must be a value equal to the organization or a scoped column. */
  private checkSelectedOrganization(table: string, select: SelectQueryNode, at: number): void {
    const selection = select.selections?.[at]?.selection;
    let inner: OperationNode | undefined = selection;
    if (inner && AliasNode.is(inner)) inner = inner.node;
    if (inner && ValueNode.is(inner) && inner.value === this.organizationId) return;
    if (inner && ReferenceNode.is(inner) && ColumnNode.is(inner.column)) {
      const name = inner.column.column.name;
      const sources = [...(select.from?.froms ?? []), ...(select.joins ?? []).map((j) => j.table)]
        .map(tableRef)
        .filter((r) => r !== null);
      const qualifier = inner.table?.table.identifier.name;
      const source = qualifier ? sources.find((s) => s.qualifier === qualifier) : sources[0];
      if (source && SCOPED.get(source.table) === name) return;
    }
    throw new ScopeViolation(`insert into ${table} … select: its organization column cannot be checked.`);
  }
}
