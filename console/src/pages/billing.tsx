import { api, type Page } from "../api.ts";
import { formatDate, formatMoney, Loaded, PageHeader, useLoad } from "../ui.tsx";

interface Billing {
  plan: string;
  currency: string;
  mode: string;
  billing_status: string;
  balance_minor: number;
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

export function BillingPage() {
  const billing = useLoad(() => api<Billing>("GET", "/billing"), []);
  const ledger = useLoad(() => api<Page<Posting>>("GET", "/billing/ledger?limit=50"), []);
  return (
    <main id="main">
      <PageHeader title="Billing" />
      <Loaded state={billing}>
        {(b) => (
          <dl class="facts">
            <div><dt>Balance</dt><dd data-testid="balance">{formatMoney(b.balance_minor, b.currency)}</dd></div>
            <div><dt>Plan</dt><dd>{b.plan} ({b.mode})</dd></div>
            <div><dt>Status</dt><dd>{b.billing_status}</dd></div>
          </dl>
        )}
      </Loaded>
      <section aria-labelledby="ledger-title">
        <h2 id="ledger-title">Ledger</h2>
        <Loaded state={ledger} empty={(p) => (p.data.length === 0 ? "No postings yet: top-ups, charges and grants appear here." : null)}>
          {(p) => (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
              <table>
                <caption class="sr-only">Ledger postings, newest first</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Source</th><th scope="col">Effect on balance</th></tr></thead>
                <tbody>
                  {p.data.map((x) => (
                    <tr key={x.id}>
                      <td>{formatDate(x.posted_at ?? x.created_at)}</td>
                      <td>{x.kind}</td>
                      <td>{x.source_type} {x.source_id}</td>
                      <td class="num">{formatMoney(x.balance_effect_minor, x.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loaded>
      </section>
    </main>
  );
}
