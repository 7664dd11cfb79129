/**
 * SMS length rules (3GPP TS 23.038 / 23.040), as pure functions. A message is sent in GSM-7 when every
 * character is in the GSM 03.38 alphabet (the basic table costs 1 septet, the extension table 2), else in
 * UCS-2 (one unit per UTF-16 code unit). One segment holds 160 septets or 70 UCS-2 units; a longer
 * message is split into parts of 153 septets or 67 units (the rest is the concatenation header), and a
 * part never splits an escape pair or a surrogate pair. Each segment is billed and each can arrive on its
 * own, so Salus keeps its SMS to one GSM-7 segment (issue 10, item 5).
 */

/** The GSM 03.38 basic table (1 septet each); index = septet value. */
const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/** The extension table (escape + 1 septet = 2 each). */
const GSM7_EXTENSION = "\f^{}\\[~]|€";

const BASIC = new Set([...GSM7_BASIC].filter((c) => c !== "\u001b"));
const EXTENSION = new Set([...GSM7_EXTENSION]);

export const SMS_GSM7_SINGLE = 160;
export const SMS_GSM7_PART = 153;
export const SMS_UCS2_SINGLE = 70;
export const SMS_UCS2_PART = 67;

export interface SmsLength {
  encoding: "gsm7" | "ucs2";
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

/** Whether `text` can be sent in GSM-7 (every character in the basic or extension table). */
export function isGsm7(text: string): boolean {
  for (const c of text) if (!BASIC.has(c) && !EXTENSION.has(c)) return false;
  return true;
}

/** Packs unit costs into parts of `part` units without splitting one character's units. */
function pack(costs: number[], part: number): number {
  let segments = 1;
  let used = 0;
  for (const c of costs) {
    if (used + c > part) {
      segments++;
      used = 0;
    }
    used += c;
  }
  return segments;
}

/** The encoding, length in units and number of segments `text` is sent as (an empty text is one segment). */
export function smsLength(text: string): SmsLength {
  const chars = [...text];
  if (isGsm7(text)) {
    const costs = chars.map((c) => (EXTENSION.has(c) ? 2 : 1));
    const units = costs.reduce((a, b) => a + b, 0);
    return { encoding: "gsm7", units, segments: units <= SMS_GSM7_SINGLE ? 1 : pack(costs, SMS_GSM7_PART) };
  }
  const costs = chars.map((c) => c.length);
  const units = costs.reduce((a, b) => a + b, 0);
  return { encoding: "ucs2", units, segments: units <= SMS_UCS2_SINGLE ? 1 : pack(costs, SMS_UCS2_PART) };
}

/** Letters that Unicode decomposition does not reduce to ASCII, spelled as people write them without. */
const SPELLED: Record<string, string> = {
  ß: "ss",
  ẞ: "SS",
  Æ: "AE",
  æ: "ae",
  Œ: "OE",
  œ: "oe",
  Ø: "O",
  ø: "o",
  Đ: "D",
  đ: "d",
  Ð: "D",
  ð: "d",
  Ł: "L",
  ł: "l",
  Þ: "Th",
  þ: "th",
  ı: "i",
  Ħ: "H",
  ħ: "h",
  "\u2018": "'",
  "\u2019": "'",
  "\u201a": "'",
  "\u201b": "'",
  "\u02bc": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u201e": '"',
  "\u2013": "-",
  "\u2014": "-",
  "\u2010": "-",
  "\u2011": "-",
  "\u2026": "...",
  "\u00a0": " ",
  "\u202f": " ",
  "\u2009": " ",
  "\u2007": " ",
};

/**
 * Plain ASCII that GSM-7 sends at one septet each: accents removed (`Hernández` → `Hernandez`), a few
 * letters spelled out (`ß` → `ss`), typographic quotes, dashes and spaces made plain (Intl puts a narrow
 * no-break space before "AM", which alone would make a message UCS-2), and anything else (other scripts,
 * emoji, the extension table's 2-septet characters, control characters) dropped.
 */
export function toGsm7Ascii(text: string): string {
  let out = "";
  for (const c of text.normalize("NFC")) {
    const spelled = SPELLED[c];
    if (spelled !== undefined) {
      out += spelled;
      continue;
    }
    for (const d of c.normalize("NFKD")) {
      const code = d.charCodeAt(0);
      // Printable ASCII in the basic table (the backtick is not in GSM-7; ^{}\[~]| cost two septets).
      if (code >= 0x20 && code <= 0x7e && BASIC.has(d)) out += d;
    }
  }
  return out;
}

/**
 * Renders an SMS that fits one GSM-7 segment: the text is made plain (`toGsm7Ascii`), and while it is too
 * long the fields in `shrink` are shortened in that order, each down to nothing if need be (a name cut
 * short, or left out, is better than a message split in four). When the text without those fields still
 * does not fit (a template's mistake, caught by its tests, or a very long public URL), it is returned as
 * short as it gets: a message that goes out in two segments is better than none.
 */
export function fitSms<F extends Record<string, string>>(
  render: (fields: F) => string,
  fields: F,
  shrink: readonly (keyof F)[],
  limit = SMS_GSM7_SINGLE,
): string {
  const current: Record<keyof F, string> = { ...fields };
  for (const k of Object.keys(current) as (keyof F)[])
    current[k] = toGsm7Ascii(current[k]).replace(/\s+/g, " ").trim();
  const text = () => toGsm7Ascii(render(current as F));
  let out = text();
  for (const k of shrink) {
    while (out.length > limit && current[k].length > 0) {
      const over = out.length - limit;
      current[k] = current[k].slice(0, Math.max(0, current[k].length - over)).trim();
      out = text();
    }
  }
  return out;
}
