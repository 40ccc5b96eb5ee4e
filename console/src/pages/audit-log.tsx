import { api } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";

interface AuditEntry {
  seq: number;
  actor: string;
  action: string;
  resource: string | null;
  ip: string | null;
  at: string;
  hash: string;
}
interface Verification {
  valid: boolean;
  checked: number;
  broken_at_seq: number | null;
  head_hash: string | null;
  pending: number;
}

const COLUMNS: Column<AuditEntry>[] = [
  { header: "#", cell: (e) => e.seq },
  { header: "When", cell: (e) => formatDate(e.at) },
  { header: "Who", cell: (e) => e.actor },
  { header: "Action", cell: (e) => <code>{e.action}</code> },
  { header: "Resource", class: "wrap", cell: (e) => e.resource ?? "—" },
  { header: "Hash", cell: (e) => <code title={e.hash}>{e.hash.slice(0, 12)}…</code> },
];

/** The chain's check, as the API reports it: whole, or where it breaks. */
function ChainStatus({ v }: { v: Verification }) {
  return (
    <div class={v.valid ? "verified" : "problem"} role="status" data-testid="audit-verification">
      <strong>{v.valid ? "Chain verified" : `Chain broken at entry ${v.broken_at_seq}`}</strong>
      <span>
        : {v.checked} entries checked{v.pending > 0 ? `, ${v.pending} not chained yet` : ""}.
        {v.head_hash && <> Newest hash <code>{v.head_hash}</code> (keep it elsewhere to detect a rewrite of the whole log).</>}
      </span>
    </div>
  );
}

export function AuditLogPage() {
  const verification = useLoad(() => api<Verification>("GET", "/audit-log/verify"), []);
  const entries = usePagedList<AuditEntry>("/audit-log?limit=50");
  return (
    <main id="main">
      <PageHeader title="Audit log" />
      <Loaded state={verification}>{(v) => <ChainStatus v={v} />}</Loaded>
      <DataTable list={entries} caption="Audit log, newest first" columns={COLUMNS} rowKey={(e) => e.seq} empty="No entries yet: every change made through the API is recorded here." />
    </main>
  );
}
