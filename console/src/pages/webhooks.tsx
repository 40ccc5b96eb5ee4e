import { useState } from "preact/hooks";
import { api, type Page } from "../api.ts";
import { formatDate, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";

interface Endpoint {
  id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
}
interface Delivery {
  id: string;
  endpoint_id: string;
  event_type: string;
  status: string;
  attempts: unknown[];
  created_at: string;
}

export function WebhooksPage({ canWrite }: { canWrite: boolean }) {
  const endpoints = useLoad(() => api<Page<Endpoint>>("GET", "/webhooks/endpoints?limit=100"), []);
  const deliveries = useLoad(() => api<Page<Delivery>>("GET", "/webhooks/deliveries?limit=50"), []);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState("");
  const replay = async (id: string) => {
    setError(undefined);
    try {
      await api("POST", `/webhooks/deliveries/${encodeURIComponent(id)}/replay`);
      setNotice(`Delivery ${id} queued again.`);
      deliveries.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <main id="main">
      <PageHeader title="Webhooks" />
      <section aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        <Loaded state={endpoints} empty={(p) => (p.data.length === 0 ? "No endpoints. Add one through POST /v1/webhooks/endpoints to receive call events." : null)}>
          {(p) => (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
              <table>
                <caption class="sr-only">Webhook endpoints</caption>
                <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th></tr></thead>
                <tbody>
                  {p.data.map((e) => (
                    <tr key={e.id}>
                      <td>{e.url}<br /><small>{e.description}</small></td>
                      <td>{e.event_types.join(", ") || "all"}</td>
                      <td>{e.enabled ? "enabled" : "disabled"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Loaded>
      </section>
      <section aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Deliveries</h2>
        <ProblemMessage error={error} />
        {notice && <p role="status" class="notice">{notice}</p>}
        <Loaded state={deliveries} empty={(p) => (p.data.length === 0 ? "No deliveries yet." : null)}>
          {(p) => (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
              <table>
                <caption class="sr-only">Webhook deliveries, newest first</caption>
                <thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {p.data.map((d) => (
                    <tr key={d.id}>
                      <td>{formatDate(d.created_at)}</td>
                      <td>{d.event_type}</td>
                      <td>{d.status}</td>
                      <td>{d.attempts.length}</td>
                      <td>{canWrite && d.status === "failed" && <button class="secondary" onClick={() => replay(d.id)}>Replay</button>}</td>
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
