import { PDFDocument, StandardFonts, type PDFFont } from "pdf-lib";
import type { InvoiceRow } from "../../../shared/pg/schema.ts";
import { localTime, type BillingMonth } from "./billing-month.ts";
import { lineDescription } from "./line-description.ts";
import type { MonthUsage } from "./month-usage.ts";

export interface Statement {
  accountId: string;
  month: BillingMonth;
  timeZone: string;
  currency: string;
  usage: MonthUsage;
  invoice: InvoiceRow | null;
  generatedAt: Date;
}

const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const MARGIN = 56;
const LINE_HEIGHT = 16;

/** USD, EUR and GBP have two decimals. */
export const formatMinor = (minor: number) => `${minor < 0 ? "-" : ""}${Math.floor(Math.abs(minor) / 100)}.${String(Math.abs(minor) % 100).padStart(2, "0")}`;

/** The statement's text, one entry per printed line (also what a reader of the PDF finds in its content). */
export function statementLines(s: Statement): { heading: string[]; body: { text: string; amount: string }[]; footer: string[] } {
  const local = (d: Date) => localTime(d, s.timeZone);
  const invoice = s.invoice;
  return {
    heading: [
      `Usage statement ${s.month.month}`,
      `Account ${s.accountId}`,
      `Period ${local(s.month.start)} to ${local(s.month.end)} (${s.timeZone})`,
      `Amounts in ${s.currency}`,
    ],
    body: s.usage.lines.map((line) => ({ text: lineDescription(line), amount: formatMinor(line.amountMinor) })),
    footer: [
      `Total for ${s.usage.calls} calls: ${formatMinor(s.usage.totalMinor)} ${s.currency}`,
      invoice ? `Invoice ${invoice.number ?? `#${invoice.id}`}: ${invoice.status}${invoice.taxMinor !== null ? `, tax ${formatMinor(invoice.taxMinor)}` : ""}` : "Not invoiced",
    ],
  };
}

/** The monthly usage statement as a PDF (A4, Helvetica): heading, one line per agent and component, totals. */
export async function statementPdf(s: Statement): Promise<Uint8Array<ArrayBuffer>> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Usage statement ${s.month.month}`);
  doc.setSubject(`Account ${s.accountId}`);
  doc.setCreator("Aybiza");
  doc.setProducer("Aybiza billing (pdf-lib)");
  doc.setCreationDate(s.generatedAt);
  doc.setModificationDate(s.generatedAt);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const text = statementLines(s);
  let page = doc.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - MARGIN;
  /** Writes one line (with an amount flush right), then moves down, onto a new page at the bottom margin. */
  const line = (value: string, f: PDFFont, opts: { size?: number; amount?: string } = {}) => {
    page.drawText(value, { x: MARGIN, y, size: opts.size ?? 10, font: f });
    if (opts.amount) page.drawText(opts.amount, { x: PAGE.width - MARGIN - font.widthOfTextAtSize(opts.amount, 10), y, size: 10, font });
    y -= LINE_HEIGHT;
    if (y >= MARGIN) return;
    page = doc.addPage([PAGE.width, PAGE.height]);
    y = PAGE.height - MARGIN;
  };
  const [title, ...heading] = text.heading;
  line(title!, bold, { size: 16 });
  for (const value of heading) line(value, font);
  line("", font);
  if (text.body.length === 0) line("No calls were priced in this month.", font);
  for (const { text: value, amount } of text.body) line(value, font, { amount });
  line("", font);
  for (const value of text.footer) line(value, bold);
  // pdf-lib returns a view of a fresh ArrayBuffer (never shared memory).
  return (await doc.save()) as Uint8Array<ArrayBuffer>;
}
