/**
 * Test helper (not exported from the package): builds a ZIP archive in memory, with each entry stored
 * or compressed by the given deflate function, and lets a test lie about sizes like a crafted zip bomb.
 */
export interface FixtureEntry {
  name: string;
  data: Uint8Array;
  /** Declared uncompressed size (defaults to the real one). */
  declaredSize?: number;
}

export function buildZip(
  entries: readonly FixtureEntry[],
  deflate?: (b: Uint8Array) => Uint8Array,
): Uint8Array {
  const locals: number[] = [];
  const central: number[] = [];
  const u16 = (a: number[], v: number) => a.push(v & 0xff, (v >>> 8) & 0xff);
  const u32 = (a: number[], v: number) =>
    a.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  for (const e of entries) {
    const name = [...new TextEncoder().encode(e.name)];
    const body = deflate ? deflate(e.data) : e.data;
    const method = deflate ? 8 : 0;
    const size = e.declaredSize ?? e.data.length;
    const offset = locals.length;
    u32(locals, 0x04034b50);
    u16(locals, 20);
    u16(locals, 0);
    u16(locals, method);
    u32(locals, 0);
    u32(locals, 0);
    u32(locals, body.length);
    u32(locals, size);
    u16(locals, name.length);
    u16(locals, 0);
    locals.push(...name, ...body);
    u32(central, 0x02014b50);
    u16(central, 20);
    u16(central, 20);
    u16(central, 0);
    u16(central, method);
    u32(central, 0);
    u32(central, 0);
    u32(central, body.length);
    u32(central, size);
    u16(central, name.length);
    u16(central, 0);
    u16(central, 0);
    u16(central, 0);
    u16(central, 0);
    u32(central, 0);
    u32(central, offset);
    central.push(...name);
  }
  const end: number[] = [];
  u32(end, 0x06054b50);
  u16(end, 0);
  u16(end, 0);
  u16(end, entries.length);
  u16(end, entries.length);
  u32(end, central.length);
  u32(end, locals.length);
  u16(end, 0);
  return Uint8Array.from([...locals, ...central, ...end]);
}

/** The smallest archive that is a DOCX by its directory. */
export function minimalDocx(deflate?: (b: Uint8Array) => Uint8Array): Uint8Array {
  const t = (s: string) => new TextEncoder().encode(s);
  return buildZip(
    [
      { name: "[Content_Types].xml", data: t('<?xml version="1.0"?><Types/>') },
      { name: "word/document.xml", data: t('<?xml version="1.0"?><w:document/>') },
    ],
    deflate,
  );
}
