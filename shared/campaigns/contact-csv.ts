import { CampaignContact, type CampaignContact as Contact } from "./campaign-schemas.ts";

export interface BadRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: number;
  errors: { field: string; message: string }[];
}

export type CsvRow = { ok: true; line: number; contact: Contact } | { ok: false; bad: BadRow };

const RESERVED = new Set(["phone", "timezone"]);

/**
 * Streams contacts out of CSV text (RFC 4180: commas, double quotes, "" inside quotes, CRLF or LF, quoted line
 * breaks). The header names the columns: `phone` (required), optional `timezone`, and any other column becomes a
 * variable of the contact, empty cells left out. Each row is validated on its own; a bad row is reported with its
 * line number and the rest go on.
 */
export class ContactCsvParser {
  #header: string[] | null = null;
  #field = "";
  #record: string[] = [];
  #quoted = false;
  #afterQuote = false;
  #line = 1;
  #recordLine = 1;
  #pendingCr = false;
  /** A problem with the file as a whole (no `phone` column); rows are not read then. */
  headerError: string | null = null;

  /** Feeds a chunk of text; returns the rows it completed. */
  push(text: string): CsvRow[] {
    const out: CsvRow[] = [];
    for (const ch of text) {
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (ch === "\n") continue;
      }
      if (this.#quoted) {
        if (ch === '"') {
          this.#quoted = false;
          this.#afterQuote = true;
        } else {
          if (ch === "\n") this.#line++;
          this.#field += ch;
        }
        continue;
      }
      if (ch === '"') {
        // A quote right after a closing quote is an escaped quote; at a field's start it opens quoting.
        if (this.#afterQuote) this.#field += '"';
        this.#quoted = true;
        this.#afterQuote = false;
      } else if (ch === ",") {
        this.#endField();
      } else if (ch === "\n" || ch === "\r") {
        this.#pendingCr = ch === "\r";
        this.#endRecord(out);
        this.#line++;
        this.#recordLine = this.#line;
      } else {
        this.#afterQuote = false;
        this.#field += ch;
      }
    }
    return out;
  }

  /** The last row, when the text does not end with a line break. */
  end(): CsvRow[] {
    const out: CsvRow[] = [];
    if (this.#quoted) {
      out.push({ ok: false, bad: { line: this.#recordLine, errors: [{ field: "row", message: "a quoted field is never closed" }] } });
      return out;
    }
    this.#endRecord(out);
    return out;
  }

  #endField(): void {
    this.#record.push(this.#field);
    this.#field = "";
    this.#afterQuote = false;
  }

  #endRecord(out: CsvRow[]): void {
    this.#endField();
    const record = this.#record;
    this.#record = [];
    if (record.length === 1 && record[0]!.trim() === "") return;
    if (!this.#header) {
      this.#header = record.map((h) => h.trim());
      if (!this.#header.includes("phone")) this.headerError = "the header row has no `phone` column";
      return;
    }
    if (this.headerError) return;
    out.push(this.#row(record, this.#recordLine));
  }

  #row(record: string[], line: number): CsvRow {
    const header = this.#header!;
    if (record.length !== header.length) {
      return { ok: false, bad: { line, errors: [{ field: "row", message: `${record.length} fields where the header has ${header.length}` }] } };
    }
    const variables: Record<string, string> = {};
    let phone = "";
    let timezone: string | undefined;
    header.forEach((name, i) => {
      const value = record[i]!.trim();
      if (name === "phone") phone = value;
      else if (name === "timezone") timezone = value || undefined;
      else if (!RESERVED.has(name) && value !== "") variables[name] = value;
    });
    const parsed = CampaignContact.safeParse({ phone, ...(timezone ? { timezone } : {}), variables });
    if (parsed.success) return { ok: true, line, contact: parsed.data };
    return { ok: false, bad: { line, errors: parsed.error.issues.map((i) => ({ field: i.path.join(".") || "row", message: i.message })) } };
  }
}
