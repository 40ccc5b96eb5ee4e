import { describe, expect, it } from "vitest";
import { ContactCsvParser, type CsvRow } from "./contact-csv.ts";

/** Parses `text` fed in chunks of `size` characters, as a stream would deliver it. */
function parse(text: string, size = 7): { rows: CsvRow[]; headerError: string | null } {
  const p = new ContactCsvParser();
  const rows: CsvRow[] = [];
  for (let i = 0; i < text.length; i += size) rows.push(...p.push(text.slice(i, i + size)));
  rows.push(...p.end());
  return { rows, headerError: p.headerError };
}

describe("contact CSV", () => {
  it("keeps valid rows and reports each bad row with its line number", () => {
    const csv = [
      "phone,timezone,first_name,note",
      "+12125550101,,Ada,\"likes \"\"mornings\"\", calls\"",
      "+1212,,Bad,",
      "+442071838750,Mars/Olympus,Bob,",
      "+442071838751,Europe/London,\"Multi",
      "line\",x",
      "+12125550102,America/Chicago,Cy",
      "+12125550103,,Dee,",
    ].join("\r\n");
    const { rows } = parse(csv);
    expect(rows.filter((r) => r.ok).map((r) => r.ok && [r.line, r.contact])).toEqual([
      [2, { phone: "+12125550101", variables: { first_name: "Ada", note: 'likes "mornings", calls' } }],
      [5, { phone: "+442071838751", timezone: "Europe/London", variables: { first_name: "Multi\r\nline", note: "x" } }],
      [8, { phone: "+12125550103", variables: { first_name: "Dee" } }],
    ]);
    expect(rows.filter((r) => !r.ok).map((r) => !r.ok && r.bad)).toEqual([
      { line: 3, errors: [{ field: "phone", message: expect.any(String) }] },
      { line: 4, errors: [{ field: "timezone", message: expect.stringMatching(/IANA time zone/) }] },
      { line: 7, errors: [{ field: "row", message: "3 fields where the header has 4" }] },
    ]);
  });

  it("asks for a time zone where the number gives none", () => {
    const { rows } = parse("phone\n+442071838750\n");
    expect(rows).toEqual([{ ok: false, bad: { line: 2, errors: [{ field: "timezone", message: "required: the number's area code gives no time zone" }] } }]);
  });

  it("refuses a file without a phone column, and an unclosed quote", () => {
    expect(parse("number,name\n+12125550101,A\n").headerError).toMatch(/no `phone` column/);
    expect(parse('phone,name\n+12125550101,"A\n').rows).toEqual([{ ok: false, bad: { line: 2, errors: [{ field: "row", message: "a quoted field is never closed" }] } }]);
  });
});
