import { apiFile } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { Field, formatDate, formatMoney } from "../ui.tsx";
import { useAction } from "../use-action.tsx";

interface Invoice {
  id: number;
  month: string;
  status: string;
  number: string | null;
  currency: string;
  total_minor: number | null;
  subtotal_minor: number;
  hosted_invoice_url: string | null;
  created_at: string;
}

const COLUMNS: Column<Invoice>[] = [
  { header: "Month", cell: (i) => i.month },
  { header: "Number", cell: (i) => i.number ?? "—" },
  { header: "Status", cell: (i) => i.status },
  { header: "Total", class: "num", cell: (i) => formatMoney(i.total_minor ?? i.subtotal_minor, i.currency) },
  { header: "Created", cell: (i) => formatDate(i.created_at) },
  { header: "Invoice page", hidden: true, cell: (i) => i.hosted_invoice_url && <a href={i.hosted_invoice_url} rel="noreferrer">View invoice {i.month}</a> },
];

/** The current month in UTC, `yyyy-mm`: the statement so far (the API reads months in the account's time zone). */
const thisMonth = () => new Date().toISOString().slice(0, 7);

/** Saves a blob under a file name, as a download link would. */
function save(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function Invoices() {
  const invoices = usePagedList<Invoice>("/billing/invoices?limit=12");
  const action = useAction();
  const download = (e: Event) => {
    e.preventDefault();
    const month = String(new FormData(e.currentTarget as HTMLFormElement).get("month"));
    void action.run(async () => {
      save(await apiFile(`/billing/statements/${encodeURIComponent(month)}`), `statement-${month}.pdf`);
      return `Statement for ${month} downloaded.`;
    });
  };
  return (
    <>
      <section aria-labelledby="invoices-title">
        <h2 id="invoices-title">Invoices</h2>
        <DataTable list={invoices} caption="Invoices, newest first" columns={COLUMNS} rowKey={(i) => i.id} empty="No invoices: a postpaid account gets one after each month with calls." />
      </section>
      <section aria-labelledby="statements-title">
        <h2 id="statements-title">Statements</h2>
        <form class="inline-form" onSubmit={download} aria-label="Download a statement">
          <Field id="statement-month" label="Month">
            <input id="statement-month" name="month" type="month" required defaultValue={thisMonth()} />
          </Field>
          <button type="submit">Download statement (PDF)</button>
        </form>
        {action.outcome}
      </section>
    </>
  );
}
