import { api } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { navigate, useLocation } from "../router.ts";
import { Field, formatDate } from "../ui.tsx";
import { useAction } from "../use-action.tsx";

interface Delivery {
  id: string;
  endpoint_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempts: { response_status: number | null; response_excerpt: string | null }[];
  created_at: string;
}

const STATUSES = ["pending", "succeeded", "failed"];

/** The delivery log, filtered by status and event type (kept in the address, so a filtered view can be shared). */
export function Deliveries({ canWrite }: { canWrite: boolean }) {
  const { query } = useLocation();
  const filter = new URLSearchParams({ limit: "25" });
  for (const k of ["status", "event_type"]) if (query.get(k)) filter.set(k, query.get(k)!);
  const deliveries = usePagedList<Delivery>(`/webhooks/deliveries?${filter}`);
  const action = useAction();
  const apply = (e: Event) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(e.currentTarget as HTMLFormElement)) if (v) next.set(k, String(v));
    navigate(`/webhooks${next.size ? `?${next}` : ""}`);
  };
  const replay = (d: Delivery) =>
    action.run(async () => {
      await api("POST", `/webhooks/deliveries/${encodeURIComponent(d.id)}/replay`);
      deliveries.reload();
      return `Delivery ${d.id} sent again.`;
    });
  const columns: Column<Delivery>[] = [
    { header: "Created", cell: (d) => formatDate(d.created_at) },
    { header: "Event", cell: (d) => d.event_type },
    { header: "Status", cell: (d) => <span data-testid={`delivery-status-${d.id}`}>{d.status}</span> },
    { header: "Attempts", cell: (d) => d.attempts.length },
    { header: "Last answer", class: "wrap", cell: (d) => { const last = d.attempts.at(-1); return last ? `${last.response_status ?? "no answer"}${last.response_excerpt ? `: ${last.response_excerpt}` : ""}` : "—"; } },
    { header: "Actions", hidden: true, cell: (d) => canWrite && d.status === "failed" && <button class="secondary" onClick={() => replay(d)} aria-label={`Replay ${d.id}`}>Replay</button> },
  ];
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <form class="filters" onSubmit={apply} aria-label="Filter deliveries">
        <Field id="d-status" label="Status">
          <select id="d-status" name="status" value={query.get("status") ?? ""}>
            <option value="">Any</option>
            {STATUSES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </Field>
        <Field id="d-event" label="Event type">
          <input id="d-event" name="event_type" value={query.get("event_type") ?? ""} placeholder="call.ended" />
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      {action.outcome}
      <DataTable list={deliveries} caption="Webhook deliveries, newest first" columns={columns} rowKey={(d) => d.id} empty={filter.size > 1 ? "No deliveries match these filters." : "No deliveries yet."} />
    </section>
  );
}
