import { api, type Page } from "../api.ts";
import { formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";

export interface AgentRow {
  id: string;
  name: string;
  status: string;
  live_version: number | null;
  latest_version: number;
  draft: Record<string, unknown>;
  updated_at: string;
}

export function Agents({ canWrite }: { canWrite: boolean }) {
  const state = useLoad(() => api<Page<AgentRow>>("GET", "/agents?limit=100"), []);
  return (
    <main id="main">
      <PageHeader title="Agents">{canWrite && <a class="button" href="/console/agents/new">New agent</a>}</PageHeader>
      <Loaded state={state} empty={(p) => (p.data.length === 0 ? "No agents yet." + (canWrite ? " Create one to answer calls." : "") : null)}>
        {(p) => (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
            <table>
              <caption class="sr-only">Agents</caption>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Live version</th><th scope="col">Latest</th><th scope="col">Updated</th></tr>
              </thead>
              <tbody>
                {p.data.map((a) => (
                  <tr key={a.id}>
                    <td><a href={`/console/agents/${a.id}`}>{a.name}</a></td>
                    <td>{a.live_version ?? "not published"}</td>
                    <td>{a.latest_version}</td>
                    <td>{formatDate(a.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loaded>
    </main>
  );
}
