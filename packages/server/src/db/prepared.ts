import { type Compilable, type CompiledQuery, createQueryId } from "kysely";
import { OrganizationScopePlugin } from "./scoped.ts";
import type { Trx } from "./transaction.ts";

/**
 * A query on the hot path built, scoped and compiled once, then run again with other values.
 *
 * Why: building a Kysely query, letting the organization scope rewrite it (db/scoped.ts) and compiling
 * it to SQL cost ~60 µs of CPU per statement, more than SQLite takes to run most of them; a booking sends
 * about twenty (measured with --cpu-prof on the bench: Kysely build, scope and compile were a third of a
 * booking's CPU on SQLite). The SQL text of such a query does not depend on its values, only on the
 * dialect, the organization it is scoped to, which arguments are given and the length of each list, so
 * that is what the compiled form is kept by.
 *
 * How: `build` is called once per key with placeholder values (unique strings) in place of `args`; each
 * placeholder found among the compiled parameters marks where that argument goes. The rules for `build`,
 * checked where they can be: it uses its arguments only as values (never to choose the query's shape:
 * no `$if(args.x)`, no `sql.raw`), each argument a scalar or an array of scalars (an array becomes one
 * parameter per element), and it returns the query without running it. A handle carrying a plugin other
 * than the organization scope is served by building the query as usual, since such a plugin may keep
 * state per statement.
 */
export function preparedQuery<A extends Record<string, unknown>, R>(
  build: (db: Trx, args: A) => Compilable<R>,
): {
  /** Runs the query on `db` (a transaction, a scoped handle or a pool) with `args`: its rows. */
  rows(db: Trx, args: A): Promise<R[]>;
  /** The first row, or undefined. */
  first(db: Trx, args: A): Promise<R | undefined>;
} {
  const templates = new Map<string, Template>();
  const run = async (db: Trx, args: A): Promise<R[]> => {
    const executor = db.getExecutor();
    let scope = "";
    for (const plugin of executor.plugins) {
      if (!(plugin instanceof OrganizationScopePlugin))
        return (await db.executeQuery(build(db, args).compile())).rows as R[];
      scope += `|${plugin.organizationId}`;
    }
    let key = `${executor.adapter.constructor.name}${scope}`;
    // Which arguments are given (an insert's columns) and each list's length shape the SQL.
    for (const name in args) {
      const value = args[name];
      key += Array.isArray(value) ? `|${name}:${value.length}` : `|${name}`;
    }
    let template = templates.get(key);
    if (!template) {
      template = compileTemplate(db, build, args);
      // Bounded (organizations × list lengths): a long-running server cannot grow it without end.
      if (templates.size >= MAX_TEMPLATES) templates.clear();
      templates.set(key, template);
    }
    const parameters: unknown[] = [];
    for (const slot of template.slots) {
      if (slot.arg === undefined) parameters.push(slot.value);
      else {
        const value = args[slot.arg];
        parameters.push(slot.index === undefined ? value : (value as unknown[])[slot.index]);
      }
    }
    const compiled: CompiledQuery = { ...template.compiled, parameters, queryId: createQueryId() };
    return (await db.executeQuery(compiled)).rows as R[];
  };
  return {
    rows: run,
    first: async (db, args) => (await run(db, args))[0],
  };
}

const MAX_TEMPLATES = 10_000;

interface Template {
  compiled: CompiledQuery;
  /** Each compiled parameter: an argument (an element of one, for a list) or a constant of the query. */
  slots: { arg?: string; index?: number; value?: unknown }[];
}

function compileTemplate<A extends Record<string, unknown>, R>(
  db: Trx,
  build: (db: Trx, args: A) => Compilable<R>,
  args: A,
): Template {
  const marker = `\u0001prepared:${createQueryId().queryId}:`;
  const placeholders: Record<string, unknown> = {};
  const where = new Map<string, { arg: string; index?: number }>();
  for (const name in args) {
    const value = args[name];
    if (Array.isArray(value)) {
      placeholders[name] = value.map((_, index) => {
        const p = `${marker}${name}:${index}`;
        where.set(p, { arg: name, index });
        return p;
      });
    } else {
      const p = `${marker}${name}`;
      where.set(p, { arg: name });
      placeholders[name] = p;
    }
  }
  const compiled = build(db, placeholders as A).compile();
  // An argument inlined into the text (sql.raw, an identifier) would be the first call's value forever.
  if (compiled.sql.includes(marker))
    throw new Error("preparedQuery: an argument ended up in the SQL text, not a parameter");
  const slots: Template["slots"] = compiled.parameters.map((value) => {
    const found = typeof value === "string" ? where.get(value) : undefined;
    return found ?? { value };
  });
  if (slots.some((s) => s.arg === undefined && typeof s.value === "string" && s.value.includes(marker)))
    throw new Error("preparedQuery: an argument was transformed before it became a parameter");
  // An argument missing from the parameters chose the query's shape ($if) or was dropped.
  for (const slot of where.values())
    if (!slots.some((s) => s.arg === slot.arg && s.index === slot.index))
      throw new Error(`preparedQuery: argument ${slot.arg} is not a parameter of the query`);
  return { compiled, slots };
}
