/**
 * CSV reading per RFC 4180 (the reverse of csv.ts): fields separated by commas, records by CRLF or LF,
 * a field in double quotes may hold commas, line breaks and doubled quotes. A leading byte-order mark is
 * dropped (spreadsheets write one). Each record keeps the line number it starts on, so an import can
 * name the line a person sees in their editor.
 *
 * Malformed input (a quote inside an unquoted field, text after a closing quote, a quote never closed)
 * is reported with its line, never guessed at.
 */
export interface CsvRecord {
  /** 1-based line number of the record's first character. */
  line: number;
  fields: string[];
}

export type CsvReadResult = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

export function readCsv(text: string): CsvReadResult {
  const s = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    // One record.
    for (;;) {
      let field = "";
      if (s[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) return { ok: false, line: start, message: "a quoted field is never closed" };
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          field += c;
          i++;
        }
        if (i < n && s[i] !== "," && s[i] !== "\n" && !(s[i] === "\r" && s[i + 1] === "\n"))
          return { ok: false, line, message: "text follows a closing quote (write a quote as two quotes)" };
      } else {
        while (i < n && s[i] !== "," && s[i] !== "\n" && !(s[i] === "\r" && s[i + 1] === "\n")) {
          if (s[i] === '"')
            return {
              ok: false,
              line,
              message: "a quote inside a field that does not start with one (quote the whole field)",
            };
          field += s[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && s[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF or end of text.
    if (s[i] === "\r") i++;
    if (s[i] === "\n") i++;
    line++;
    // A blank line (one empty field) is skipped, as spreadsheets leave them at the end.
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: start, fields });
  }
  return { ok: true, records };
}
