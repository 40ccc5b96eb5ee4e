import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { formatDate, PageHeader } from "../ui.tsx";

export interface AgentRow {
  id: string;
  name: string;
  status: string;
  live_version: number | null;
  latest_version: number;
  draft: Record<string, unknown>;
  updated_at: string;
}

const COLUMNS: Column<AgentRow>[] = [
  { header: "Name", cell: (a) => <a href={`/console/agents/${a.id}`}>{a.name}</a> },
  { header: "Live version", cell: (a) => a.live_version ?? "not published" },
  { header: "Latest", cell: (a) => a.latest_version },
  { header: "Updated", cell: (a) => formatDate(a.updated_at) },
];

export function Agents({ canWrite }: { canWrite: boolean }) {
  const list = usePagedList<AgentRow>("/agents?limit=50");
  return (
    <main id="main">
      <PageHeader title="Agents">{canWrite && <a class="button" href="/console/agents/new">New agent</a>}</PageHeader>
      <DataTable list={list} caption="Agents" columns={COLUMNS} rowKey={(a) => a.id} empty={"No agents yet." + (canWrite ? " Create one to answer calls." : "")} />
    </main>
  );
}
