import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { navigate, useLocation } from "../router.ts";
import { formatDate, formatMoney, Loaded, PageHeader, useLoad, Field } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import { Invoices } from "./billing-invoices.tsx";

interface Billing {
  plan: string;
  currency: string;
  mode: string;
  billing_status: string;
  balance_minor: number;
  edge_snapshot: { reserved_minor: number; spendable_minor: number } | null;
}
interface Posting {
  id: number;
  kind: string;
  balance_effect_minor: number;
  currency: string;
  source_type: string;
  source_id: string;
  created_at?: string;
  posted_at?: string;
}

const POSTINGS: Column<Posting>[] = [
  { header: "When", cell: (x) => formatDate(x.posted_at ?? x.created_at) },
  { header: "Kind", cell: (x) => x.kind },
  { header: "Source", cell: (x) => `${x.source_type} ${x.source_id}` },
  { header: "Effect on balance", class: "num", cell: (x) => formatMoney(x.balance_effect_minor, x.currency) },
];

/** Sends the browser to Stripe's hosted Checkout; Stripe brings it back here with `?checkout=<session>`. */
function TopUp({ currency }: { currency: string }) {
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const amount = Number(new FormData(e.currentTarget as HTMLFormElement).get("amount"));
    void action.run(async () => {
      const link = await api<{ checkout_url: string }>("POST", "/billing/top-ups", { amount_minor: Math.round(amount * 100), currency });
      location.assign(link.checkout_url);
      return "Opening Checkout…";
    });
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label="Top up">
      <Field id="top-up-amount" label={`Amount (${currency})`}>
        <input id="top-up-amount" name="amount" type="number" min="5" step="0.01" required defaultValue="20" />
      </Field>
      <button type="submit">Top up through Checkout</button>
      {action.outcome}
    </form>
  );
}

export function BillingPage({ canWrite }: { canWrite: boolean }) {
  const { query } = useLocation();
  const checkout = query.get("checkout");
  const billing = useLoad(() => api<Billing>("GET", "/billing"), []);
  const ledger = usePagedList<Posting>("/billing/ledger?limit=25");
  // Back from Checkout: Stripe's webhook credits the balance moments later. Look quietly (no loading flicker) until
  // the balance moves, then show the new balance and its posting; give up after a minute.
  const seen = billing.data?.balance_minor;
  const [waiting, setWaiting] = useState(!!checkout && checkout !== "cancelled");
  useEffect(() => {
    if (!waiting || seen === undefined) return;
    const deadline = Date.now() + 60_000;
    const timer = setInterval(async () => {
      const now = await api<Billing>("GET", "/billing").catch(() => null);
      if ((now && now.balance_minor !== seen) || Date.now() > deadline) {
        clearInterval(timer);
        setWaiting(false);
        billing.reload();
        ledger.reload();
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [waiting, seen]);
  return (
    <main id="main">
      <PageHeader title="Billing" />
      {checkout && (
        <p role="status" class="notice">
          {checkout === "cancelled" ? "Checkout was cancelled; nothing was charged." : "Payment received: the balance updates as soon as Stripe confirms it."}{" "}
          <a href="/console/billing" onClick={(e) => (e.preventDefault(), navigate("/billing"))}>Dismiss</a>
        </p>
      )}
      <Loaded state={billing}>
        {(b) => (
          <>
            <dl class="facts">
              <div><dt>Balance</dt><dd data-testid="balance">{formatMoney(b.balance_minor, b.currency)}</dd></div>
              <div><dt>Reserved by live calls</dt><dd>{formatMoney(b.edge_snapshot?.reserved_minor ?? 0, b.currency)}</dd></div>
              <div><dt>Spendable</dt><dd>{b.edge_snapshot ? formatMoney(b.edge_snapshot.spendable_minor, b.currency) : "—"}</dd></div>
              <div><dt>Plan</dt><dd>{b.plan} ({b.mode})</dd></div>
              <div><dt>Status</dt><dd>{b.billing_status}</dd></div>
            </dl>
            {canWrite && b.mode === "prepaid" && <TopUp currency={b.currency} />}
          </>
        )}
      </Loaded>
      <section aria-labelledby="ledger-title">
        <h2 id="ledger-title">Ledger</h2>
        <DataTable list={ledger} caption="Ledger postings, newest first" columns={POSTINGS} rowKey={(x) => x.id} empty="No postings yet: top-ups, charges and grants appear here." />
      </section>
      <Invoices />
    </main>
  );
}
