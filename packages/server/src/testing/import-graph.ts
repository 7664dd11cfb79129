import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The module graph of TypeScript source folders, read from the import lines, and its circles. Used by
 * import-cycles.test.ts (issue 11: "import circles inside the server: 0").
 *
 * Why a scan of import lines and not the TypeScript compiler API: the installed `typescript` (7.x, the
 * native compiler) has no JavaScript API, and the project's Biome formatting puts every import and
 * re-export at the start of a line, so a line-anchored pattern reads them all; a relative specifier that
 * does not resolve to a file fails the test (see `unresolved`), so a pattern that misreads cannot pass
 * silently.
 */

/** How a module reaches another: `import`/`export … from` (value), `import type`/`export type` (type), `import(…)`. */
export type EdgeKind = "value" | "type" | "import()";

export interface ImportRef {
  specifier: string;
  kind: EdgeKind;
}

// Every `import … from "x"`, `import "x"`, `export … from "x"` starting a line; `[^;"'`]*?` spans the
// lines of a multi-line specifier list but never a string or the next statement.
const STATIC =
  /^[ \t]*(import|export)[ \t]+(type[ \t]+)?(?:[^;"'`]*?[\s}*]from[ \t]*|(?=["']))["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** The modules a source file imports or re-exports, from its text. Comment lines are skipped. */
export function importsOf(source: string): ImportRef[] {
  const code = source
    .split("\n")
    .map((line) => (/^\s*(\/\/|\/\*|\*)/.test(line) ? "" : line))
    .join("\n");
  const refs: ImportRef[] = [];
  for (const m of code.matchAll(STATIC)) {
    // `import { type A } from "x"` stays in the output as `import {} from "x"` under verbatimModuleSyntax,
    // so only `import type`/`export type` is a type-only edge.
    refs.push({ specifier: m[3] ?? "", kind: m[2] ? "type" : "value" });
  }
  for (const m of code.matchAll(DYNAMIC)) refs.push({ specifier: m[1] ?? "", kind: "import()" });
  return refs;
}

export interface ModuleGraph {
  /** file → (imported file → how) */
  edges: Map<string, Map<string, EdgeKind[]>>;
  /** Relative `.ts`/`.tsx` specifiers that name no file: a scanner or tree error. */
  unresolved: string[];
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") sourceFiles(path, out);
    } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/**
 * Reads every .ts/.tsx file under `roots`; `packages` maps a workspace name (`@salus/core`) to its src
 * folder, whose `exports` are `"." → src/index.ts` and `"./*" → src/*.ts`. Edges to anything outside the
 * scanned files (npm packages, node:) are left out.
 */
export function readModuleGraph(roots: string[], packages: Record<string, string>): ModuleGraph {
  const files = roots.flatMap((root) => sourceFiles(root));
  const known = new Set(files);
  const edges = new Map<string, Map<string, EdgeKind[]>>();
  const unresolved: string[] = [];
  const resolveSpecifier = (from: string, specifier: string): string | null => {
    if (specifier.startsWith(".")) return resolve(dirname(from), specifier);
    for (const [name, src] of Object.entries(packages)) {
      if (specifier === name) return join(src, "index.ts");
      if (specifier.startsWith(`${name}/`)) return join(src, `${specifier.slice(name.length + 1)}.ts`);
    }
    return null;
  };
  for (const file of files) {
    const out = new Map<string, EdgeKind[]>();
    for (const ref of importsOf(readFileSync(file, "utf8"))) {
      const target = resolveSpecifier(file, ref.specifier);
      if (target === null) continue;
      if (!known.has(target)) {
        if (/\.tsx?$/.test(target)) unresolved.push(`${file}: ${ref.specifier}`);
        continue;
      }
      out.set(target, [...(out.get(target) ?? []), ref.kind]);
    }
    edges.set(file, out);
  }
  return { edges, unresolved };
}

/**
 * The circles: each strongly connected component of more than one file (or a file importing itself),
 * members sorted, found with Tarjan's algorithm. One circle may hold many loops; opening it means no
 * file of it can reach itself again.
 */
export function findCircles(edges: Map<string, Map<string, unknown>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  // Recursive: the server's import chains are a few dozen deep at most.
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const members: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        members.push(w);
      } while (w !== v);
      if (members.length > 1 || edges.get(v)?.has(v)) circles.push(members.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return circles.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** A shortest loop through `start` inside one circle (breadth-first), as the files in order. */
export function shortestLoop(
  edges: Map<string, Map<string, unknown>>,
  circle: string[],
  start: string,
): string[] {
  const inside = new Set(circle);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const loop = [v];
        while (loop[0] !== start) loop.unshift(previous.get(loop[0]!)!);
        return [...loop, start];
      }
      if (!previous.has(w) && w !== start) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
