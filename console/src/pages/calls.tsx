import { api, type Page } from "../api.ts";
import { Table, type Column } from "../data-table.tsx";
import { navigate, useLocation } from "../router.ts";
import { Field, formatDate, formatSeconds, Loaded, PageHeader, useLoad } from "../ui.tsx";

export interface CallRow {
  id: string;
  agent_id: string | null;
  direction: string;
  from: string;
  to: string;
  status: string;
  created_at: string;
  duration_seconds: number | null;
  end_reason: string | null;
}

const STATUSES = ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"];
const FILTERS = ["status", "direction", "agent_id", "success", "cursor"] as const;

const callColumns = (href: (c: CallRow) => string): Column<CallRow>[] => [
  { header: "Call", cell: (c) => <a href={href(c)}>{c.id}</a> },
  { header: "Started", cell: (c) => formatDate(c.created_at) },
  { header: "Direction", cell: (c) => c.direction },
  { header: "From → to", cell: (c) => `${c.from} → ${c.to}` },
  { header: "Status", cell: (c) => <>{c.status}{c.end_reason && <small> ({c.end_reason})</small>}</> },
  { header: "Duration", cell: (c) => formatSeconds(c.duration_seconds) },
];

/** `href`: where a call's link goes (its page, or its live view). */
export function CallTable({ calls, href = (c) => `/console/calls/${c.id}`, caption = "Calls" }: { calls: CallRow[]; href?: (c: CallRow) => string; caption?: string }) {
  return <Table caption={caption} columns={callColumns(href)} rows={calls} rowKey={(c) => c.id} />;
}

export function Calls() {
  const { query } = useLocation();
  const params = new URLSearchParams();
  for (const k of FILTERS) if (query.get(k)) params.set(k, query.get(k)!);
  params.set("limit", "25");
  const state = useLoad(() => api<Page<CallRow>>("GET", `/calls?${params}`), [params.toString()]);

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const [k, v] of form) if (v) next.set(k, String(v));
    navigate(`/calls${next.size ? `?${next}` : ""}`);
  };
  const filtered = FILTERS.some((k) => k !== "cursor" && query.get(k));

  return (
    <main id="main">
      <PageHeader title="Calls" />
      <form class="filters" onSubmit={apply} aria-label="Filter calls">
        <Field id="f-status" label="Status">
          <select id="f-status" name="status" value={query.get("status") ?? ""}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field id="f-direction" label="Direction">
          <select id="f-direction" name="direction" value={query.get("direction") ?? ""}>
            <option value="">Any</option>
            <option>inbound</option>
            <option>outbound</option>
          </select>
        </Field>
        <Field id="f-agent" label="Agent id">
          <input id="f-agent" name="agent_id" value={query.get("agent_id") ?? ""} placeholder="AGT-…" />
        </Field>
        <Field id="f-success" label="Analysis verdict">
          <select id="f-success" name="success" value={query.get("success") ?? ""}>
            <option value="">Any</option>
            <option value="true">Succeeded</option>
            <option value="false">Did not succeed</option>
          </select>
        </Field>
        <button type="submit">Apply filters</button>
      </form>
      <Loaded state={state} empty={(p) => (p.data.length === 0 ? (filtered ? "No calls match these filters." : "No calls yet. Calls appear here as soon as they start.") : null)}>
        {(p) => (
          <>
            <CallTable calls={p.data} />
            {p.next_cursor && (
              <p>
                <a href={`/console/calls?${new URLSearchParams({ ...Object.fromEntries(params), cursor: p.next_cursor })}`}>Older calls</a>
              </p>
            )}
          </>
        )}
      </Loaded>
    </main>
  );
}
