/**
 * CSV writing per RFC 4180, safe to open in a spreadsheet: a text cell that begins with a character a
 * spreadsheet reads as a formula (= + - @, tab, carriage return, NUL) gets a leading apostrophe, so an
 * audit export can never run `=HYPERLINK(...)` on the privacy officer's machine. Numbers stay numbers.
 */
export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r\0]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
