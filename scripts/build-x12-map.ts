/**
 * Converts an X12 loop map of the imsweb/x12-parser project (pyx12's maps, BSD licensed; see
 * packages/core/src/billing/x12/maps/LICENSE-imsweb-x12-parser.txt) into the compact JSON the 837P
 * writer checks each batch against (core/src/billing/x12/loop-map.ts). Run when the map changes:
 *
 *   npx tsx scripts/build-x12-map.ts ../shared/data/x12/maps 837.5010.X222.A1.xml \
 *     packages/core/src/billing/x12/maps/837p-005010x222a1.json
 *
 * Only what the checker uses is kept: loops (id, name, usage, repeat) and segments (id, name, usage,
 * max use) in order, and each element's usage, data type, length limits and listed codes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

// The maps are regular, machine-written XML (no CDATA, no entities but &gt;/&lt;/&amp;), so a small
// reader is enough and keeps the build free of another dependency.
function parseXml(source: string): XmlNode {
  const text = source.replace(/<!--[\s\S]*?-->/g, "").replace(/<\?[\s\S]*?\?>/g, "");
  const root: XmlNode = { tag: "#root", attrs: {}, children: [], text: "" };
  const stack = [root];
  const re = /<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>|([^<]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const top = stack[stack.length - 1] as XmlNode;
    if (m[5] !== undefined) {
      top.text += m[5];
      continue;
    }
    if (m[1]) {
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? "").matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1] as string] = a[2] as string;
    const node: XmlNode = { tag: m[2] as string, attrs, children: [], text: "" };
    top.children.push(node);
    if (!m[4]) stack.push(node);
  }
  return root;
}

const decode = (s: string) => s.trim().replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&");
const child = (n: XmlNode, tag: string) => n.children.find((c) => c.tag === tag);
const childText = (n: XmlNode, tag: string) => decode(child(n, tag)?.text ?? "");

const [dir = "../shared/data/x12/maps", file = "837.5010.X222.A1.xml", out] = process.argv.slice(2);
const dataElements = new Map<string, { type: string; min: number; max: number }>();
for (const d of parseXml(readFileSync(join(dir, "dataele.xml"), "utf8")).children[0]?.children ?? []) {
  if (d.tag !== "data_ele") continue;
  dataElements.set(d.attrs.ele_num as string, {
    type: d.attrs.data_type as string,
    min: Number(d.attrs.min_len),
    max: Number(d.attrs.max_len),
  });
}

function element(n: XmlNode): unknown {
  const usage = childText(n, "usage");
  if (n.tag === "composite") {
    return { id: n.attrs.xid, usage, parts: n.children.filter((c) => c.tag === "element").map(element) };
  }
  const de = dataElements.get(childText(n, "data_ele"));
  const codesNode = child(n, "valid_codes");
  const codes = codesNode?.children.filter((c) => c.tag === "code").map((c) => decode(c.text));
  const regex = childText(n, "regex");
  return {
    id: n.attrs.xid,
    usage,
    ...(de ? { type: de.type, min: de.min, max: de.max } : {}),
    ...(codes && codes.length > 0 ? { codes } : {}),
    ...(regex ? { pattern: regex } : {}),
  };
}

function convert(n: XmlNode): unknown {
  if (n.tag === "segment") {
    const maxUse = childText(n, "max_use");
    return {
      seg: n.attrs.xid,
      name: childText(n, "name"),
      usage: childText(n, "usage"),
      maxUse: maxUse.startsWith(">") ? null : Number(maxUse),
      elements: n.children.filter((c) => c.tag === "element" || c.tag === "composite").map(element),
    };
  }
  const repeat = childText(n, "repeat");
  return {
    loop: n.attrs.xid,
    name: childText(n, "name"),
    usage: childText(n, "usage"),
    repeat: repeat.startsWith(">") ? null : Number(repeat),
    ...(n.attrs.type ? { kind: n.attrs.type } : {}),
    children: n.children.filter((c) => c.tag === "loop" || c.tag === "segment").map(convert),
  };
}

const transaction = parseXml(readFileSync(join(dir, file), "utf8")).children[0] as XmlNode;
const top = transaction.children.find((c) => c.tag === "loop") as XmlNode;
const json = {
  source: `imsweb/x12-parser maps/${file} (BSD 3-clause; pyx12 by John Holland)`,
  transaction: transaction.attrs.xid,
  root: convert(top),
};
const text = `${JSON.stringify(json)}\n`;
if (out) writeFileSync(out, text);
else process.stdout.write(text);
