import { useState } from "preact/hooks";
import { api, type Page } from "../api.ts";
import { DataTable, Table, usePagedList, type Column } from "../data-table.tsx";
import { Field, formatDate, PageHeader, useLoad } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import type { AgentRow } from "./agents.tsx";

interface PhoneNumber {
  id: string;
  e164: string;
  source: string;
  agent_id: string | null;
  status: string;
  created_at: string;
}
interface Available {
  e164: string;
  locality: string | null;
  region: string | null;
}

const fields = (e: Event) => Object.fromEntries([...new FormData(e.currentTarget as HTMLFormElement)].filter(([, v]) => v !== "").map(([k, v]) => [k, String(v)]));

export function NumbersPage({ canWrite }: { canWrite: boolean }) {
  const numbers = usePagedList<PhoneNumber>("/phone-numbers?limit=50");
  const agents = useLoad(() => api<Page<AgentRow>>("GET", "/agents?limit=100&status=active"), []);
  const [found, setFound] = useState<Available[] | null>(null);
  const action = useAction();
  const agentName = (id: string | null) => (id ? (agents.data?.data.find((a) => a.id === id)?.name ?? id) : "unassigned");

  const search = (e: Event) => {
    e.preventDefault();
    const q = fields(e);
    void action.run(async () => {
      const result = await api<{ data: Available[] }>("POST", "/phone-numbers/search", { country: q.country, area_code: q.area_code, contains: q.contains });
      setFound(result.data);
      return `${result.data.length} numbers available.`;
    });
  };
  const add = (body: Record<string, string>, verb: string) =>
    action.run(async () => {
      const added = await api<PhoneNumber>("POST", "/phone-numbers", body);
      setFound(null);
      numbers.reload();
      return `${verb} ${added.e164}.`;
    });
  const attach = (n: PhoneNumber, agentId: string) =>
    action.run(async () => {
      await api("PATCH", `/phone-numbers/${encodeURIComponent(n.id)}`, { agent_id: agentId || null });
      numbers.reload();
      return `${n.e164} now routes to ${agentName(agentId || null)}.`;
    });
  const release = (n: PhoneNumber) =>
    action.run(async () => {
      await api("DELETE", `/phone-numbers/${encodeURIComponent(n.id)}`);
      numbers.reload();
      return `${n.e164} released.`;
    });

  const columns: Column<PhoneNumber>[] = [
    { header: "Number", cell: (n) => n.e164 },
    { header: "Source", cell: (n) => n.source },
    {
      header: "Agent",
      cell: (n) =>
        canWrite && n.status === "active" ? (
          <select aria-label={`Agent for ${n.e164}`} value={n.agent_id ?? ""} onChange={(e) => attach(n, (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Unassigned</option>
            {agents.data?.data.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        ) : (
          agentName(n.agent_id)
        ),
    },
    { header: "Status", cell: (n) => n.status },
    { header: "Added", cell: (n) => formatDate(n.created_at) },
    { header: "Actions", hidden: true, cell: (n) => canWrite && n.status === "active" && <button class="secondary" onClick={() => release(n)} aria-label={`Release ${n.e164}`}>Release</button> },
  ];
  const offers: Column<Available>[] = [
    { header: "Number", cell: (a) => a.e164 },
    { header: "Place", cell: (a) => [a.locality, a.region].filter(Boolean).join(", ") || "—" },
    { header: "Actions", hidden: true, cell: (a) => <button onClick={() => add({ e164: a.e164 }, "Bought")} aria-label={`Buy ${a.e164}`}>Buy</button> },
  ];

  return (
    <main id="main">
      <PageHeader title="Numbers" />
      {canWrite && (
        <>
          <section aria-labelledby="buy-title">
            <h2 id="buy-title">Buy a number</h2>
            <form class="filters" onSubmit={search} aria-label="Search available numbers">
              <Field id="n-country" label="Country">
                <input id="n-country" name="country" defaultValue="US" maxLength={2} required />
              </Field>
              <Field id="n-area" label="Area code">
                <input id="n-area" name="area_code" inputMode="numeric" maxLength={3} />
              </Field>
              <Field id="n-contains" label="Contains digits">
                <input id="n-contains" name="contains" inputMode="numeric" maxLength={10} />
              </Field>
              <button type="submit">Search</button>
            </form>
            {found && (found.length ? <Table caption="Available numbers" columns={offers} rows={found} rowKey={(a) => a.e164} /> : <p class="empty">No numbers match; try another area code.</p>)}
          </section>
          <section aria-labelledby="import-title">
            <h2 id="import-title">Import a number you already have</h2>
            <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void add(fields(e), "Imported"))} aria-label="Import a number">
              <Field id="i-e164" label="Number (E.164)">
                <input id="i-e164" name="e164" required placeholder="+14155550100" />
              </Field>
              <Field id="i-source" label="Where it lives">
                <select id="i-source" name="source">
                  <option value="twilio">Twilio account</option>
                  <option value="sip">SIP trunk or domain</option>
                </select>
              </Field>
              <Field id="i-sid" label="Provider id (optional)">
                <input id="i-sid" name="provider_sid" />
              </Field>
              <button type="submit">Import</button>
            </form>
          </section>
        </>
      )}
      {action.outcome}
      <section aria-labelledby="numbers-title">
        <h2 id="numbers-title">Your numbers</h2>
        <DataTable list={numbers} caption="Phone numbers" columns={columns} rowKey={(n) => n.id} empty={"No numbers yet." + (canWrite ? " Buy or import one to take calls." : "")} />
      </section>
    </main>
  );
}
