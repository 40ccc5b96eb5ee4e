/**
 * RFC 4180 CSV as OFAC writes it: fields optionally double-quoted, commas and line breaks allowed inside quotes, a
 * quote inside a quoted field doubled (""), records ended by CRLF or LF. OFAC's legacy files may end with a DOS
 * end-of-file byte (0x1A), which is dropped. Blank lines yield no record.
 */
export class CsvError extends Error {
  override readonly name = "CsvError";
}

export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  const endField = () => {
    record.push(field);
    field = "";
    fieldStarted = false;
  };
  const endRecord = () => {
    endField();
    // A record that is one empty, unquoted field is a blank line.
    if (record.length > 1 || record[0] !== "") records.push(record);
    record = [];
  };
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (fieldStarted) throw new CsvError(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
      fieldStarted = true;
    } else if (c === ",") endField();
    else if (c === "\r" && text[i + 1] === "\n") continue;
    else if (c === "\n" || c === "\r") {
      endRecord();
      line++;
    } else if (c === "\x1a" && i === text.length - 1) break;
    else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError(`line ${line}: a quoted field is not closed`);
  if (fieldStarted || field !== "" || record.length > 0) endRecord();
  return records;
}
