import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type EdgeKind, findCircles, importsOf, readModuleGraph, shortestLoop } from "./import-graph.ts";

/**
 * Issue 11 item 3: no import circles inside the server (nor in core, nor between them).
 *
 * What counts: every module edge, `import type` and `import(…)` included. A type-only circle loads fine
 * at run time, but the issue counts module circles: two modules that name each other's types still cannot
 * be read, moved or split into a package one without the other, and a circle hidden behind `import type`
 * or a lazy `import()` is the same tangle. The failure names each edge's kind, so a reader sees which
 * circles are also load-order circles (value edges all the way round).
 */
const PACKAGES = resolve(import.meta.dirname, "../../..");
const ROOTS = { "@salus/core": join(PACKAGES, "core/src"), "@salus/server": join(PACKAGES, "server/src") };

describe("importsOf", () => {
  it("reads every form of import and re-export, and skips comments", () => {
    const source = [
      `import { a, type B } from "./a.ts";`,
      `import type { C } from "./c.ts";`,
      `import {`,
      `  d,`,
      `  e,`,
      `} from "../d.ts";`,
      `import "./side-effect.ts";`,
      `import * as all from "./all.ts";`,
      `import f, { g } from "./f.ts";`,
      `export { h } from "./h.ts";`,
      `export * from "./star.ts";`,
      `export * as ns from "./ns.ts";`,
      `export type { I } from "./i.ts";`,
      `export const notAnImport = "./x.ts";`,
      `// import { old } from "./commented.ts";`,
      ` * import { doc } from "./doc.ts";`,
      // Spelled IMPORT here so that the scan of this very file finds no import of ./lazy.ts.
      `const lazy = await IMPORT("./lazy.ts");`,
      `type Row = IMPORT("../db/schema.ts").Database;`,
    ]
      .join("\n")
      .replaceAll("IMPORT(", "import(");
    expect(importsOf(source)).toEqual([
      { specifier: "./a.ts", kind: "value" },
      { specifier: "./c.ts", kind: "type" },
      { specifier: "../d.ts", kind: "value" },
      { specifier: "./side-effect.ts", kind: "value" },
      { specifier: "./all.ts", kind: "value" },
      { specifier: "./f.ts", kind: "value" },
      { specifier: "./h.ts", kind: "value" },
      { specifier: "./star.ts", kind: "value" },
      { specifier: "./ns.ts", kind: "value" },
      { specifier: "./i.ts", kind: "type" },
      { specifier: "./lazy.ts", kind: "import()" },
      { specifier: "../db/schema.ts", kind: "import()" },
    ]);
  });
});

describe("findCircles", () => {
  const graph = (pairs: [string, string][]) => {
    const edges = new Map<string, Map<string, unknown>>();
    for (const [a, b] of pairs) {
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.has(b)) edges.set(b, new Map());
      edges.get(a)!.set(b, true);
    }
    return edges;
  };

  it("finds each strongly connected group once, and a file importing itself", () => {
    const edges = graph([
      ["a", "b"],
      ["b", "c"],
      ["c", "a"],
      ["c", "d"],
      ["d", "e"],
      ["e", "d"],
      ["f", "f"],
      ["g", "a"],
    ]);
    expect(findCircles(edges)).toEqual([["a", "b", "c"], ["d", "e"], ["f"]]);
    expect(shortestLoop(edges, ["a", "b", "c"], "b")).toEqual(["b", "c", "a", "b"]);
  });

  it("finds none in a tree", () => {
    expect(
      findCircles(
        graph([
          ["a", "b"],
          ["a", "c"],
          ["b", "c"],
        ]),
      ),
    ).toEqual([]);
  });
});

describe("the server and core", () => {
  const { edges, unresolved } = readModuleGraph(Object.values(ROOTS), ROOTS);
  const name = (file: string) => relative(PACKAGES, file);

  it("resolves every relative import (the scan read them right)", () => {
    expect(unresolved.map((u) => relative(PACKAGES, u))).toEqual([]);
    // A scan that read nothing would find no circles: the server has well over a thousand edges.
    expect([...edges.values()].reduce((n, out) => n + out.size, 0)).toBeGreaterThan(1000);
  });

  it("has no import circles", () => {
    const circles = findCircles(edges).map((circle) => {
      const inside = new Set(circle);
      const lines = circle.map((file) => {
        const out = [...(edges.get(file) ?? new Map<string, EdgeKind[]>())]
          .filter(([to]) => inside.has(to))
          .map(([to, kinds]) => `${name(to)} (${[...new Set(kinds)].join(", ")})`);
        return `    ${name(file)} → ${out.join(", ")}`;
      });
      const loop = shortestLoop(edges, circle, circle[0]!).map(name).join(" → ");
      return `  ${circle.length} file(s), e.g. ${loop}\n${lines.join("\n")}`;
    });
    expect(circles.length, `${circles.length} import circle(s):\n${circles.join("\n")}\n`).toBe(0);
  });

  // Scheduling announces appointment changes and flow subscribes (platform/event-bus.ts), so scheduling
  // needs nothing of flow's but the reads listed here, each with its reason. A veto through an event would
  // not do for these: a rule must hold whichever modules a caller loaded.
  const SCHEDULING_READS_OF_FLOW: Record<string, string> = {
    "server/src/scheduling/change-appointment-status.ts → server/src/flow/flow-settings.ts":
      "a no-show is due after the practice's grace period, a flow setting",
    "server/src/scheduling/routes.ts → server/src/flow/no-shows.ts":
      "HTTP adapter: flow's undo-no-show is served at /api/appointments/:id/undo-no-show (could move to flow/routes.ts)",
  };

  it("keeps scheduling from importing flow but for the reads listed", () => {
    const scheduling = join(ROOTS["@salus/server"], "scheduling/");
    const flow = join(ROOTS["@salus/server"], "flow/");
    const imports = [...edges]
      .filter(([from]) => from.startsWith(scheduling) && !from.includes(".test."))
      .flatMap(([from, out]) =>
        [...out.keys()].filter((to) => to.startsWith(flow)).map((to) => `${name(from)} → ${name(to)}`),
      );
    expect(imports.filter((i) => !(i in SCHEDULING_READS_OF_FLOW))).toEqual([]);
  });
});
