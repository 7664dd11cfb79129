import { describe, expect, it } from "vitest";
import { TABLES_IN_ORDER } from "./db/schema.ts";
import { DOMAINS } from "./domains.ts";

describe("the domain list (domains.ts)", () => {
  it("gives every table exactly one owning domain, and names no table the schema lacks", () => {
    const owners = new Map<string, string[]>();
    for (const d of DOMAINS) for (const t of d.tables) owners.set(t, [...(owners.get(t) ?? []), d.name]);
    const shared = [...owners].filter(([, ds]) => ds.length > 1);
    expect(shared).toEqual([]);
    const unowned = TABLES_IN_ORDER.filter((t) => !owners.has(t));
    expect(unowned).toEqual([]);
    const unknown = [...owners.keys()].filter((t) => !(TABLES_IN_ORDER as readonly string[]).includes(t));
    expect(unknown).toEqual([]);
  });

  it("names each domain once, and the platform first (its audit seal job must stop last)", () => {
    const names = DOMAINS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe("platform");
  });
});
