import { describe, expect, it } from "vitest";
import { CsvError, parseCsv } from "./csv.ts";

describe("parseCsv", () => {
  it("reads quoted fields with commas, escaped quotes and line breaks inside", () => {
    expect(parseCsv('1,"DOE, John","say ""hi""","two\r\nlines"\r\n')).toEqual([["1", "DOE, John", 'say "hi"', "two\r\nlines"]]);
  });

  it("ends records at CRLF, LF or CR, and skips blank lines", () => {
    expect(parseCsv('a,b\r\nc,d\ne,f\rg,h\r\n\r\n')).toEqual([["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]]);
  });

  it("keeps empty fields, quoted or not, and a last record without a line end", () => {
    expect(parseCsv('a,,"",b\n,x')).toEqual([["a", "", "", "b"], ["", "x"]]);
  });

  it("drops the DOS end-of-file byte OFAC's legacy files may end with", () => {
    expect(parseCsv('1,"A"\r\n\x1a')).toEqual([["1", "A"]]);
  });

  it("refuses an unclosed quote and a quote inside an unquoted field, naming the line", () => {
    expect(() => parseCsv('1,"A\r\n2,B\r\n')).toThrow(new CsvError('line 3: a quoted field is not closed'));
    expect(() => parseCsv('1,A\r\n2,B"C\r\n')).toThrow(new CsvError("line 2: a quote inside an unquoted field"));
  });
});
