import { api } from "../api.ts";
import { Table, type Column } from "../data-table.tsx";
import { useLocation } from "../router.ts";
import { formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { useAction } from "../use-action.tsx";

interface Integration {
  name: string;
  title: string;
  auth: "api_key" | "oauth2" | "incoming_webhook" | "none";
  oauth: boolean;
  connection: "connected" | "broken" | "not_connected";
  connected_at: string | null;
  updated_at: string | null;
}

const CONNECTION_TEXT: Record<Integration["connection"], string> = {
  connected: "connected",
  broken: "broken: the vendor refused the stored credentials; connect again",
  not_connected: "not connected",
};

/**
 * The account's integrations and their connections. Connecting an OAuth vendor starts the flow with a same-origin
 * fetch (which sets the flow's cookie in this browser), then follows the vendor's authorize URL; the vendor sends the
 * browser to the platform's callback, which comes back here with `?connected={name}` or `?connect_error={why}`.
 */
export function IntegrationsPage({ canWrite }: { canWrite: boolean }) {
  const { query } = useLocation();
  const list = useLoad(() => api<{ data: Integration[] }>("GET", "/integrations"), []);
  const action = useAction();
  const connected = query.get("connected");
  const connectedTitle = connected && (list.data?.data.find((i) => i.name === connected)?.title ?? connected);
  const connectError = query.get("connect_error");

  const connect = (i: Integration) =>
    action.run(async () => {
      const start = await api<{ authorize_url: string }>("GET", `/integrations/${encodeURIComponent(i.name)}/connect`);
      location.assign(start.authorize_url);
      return `Opening ${i.title}…`;
    });
  const disconnect = (i: Integration) =>
    action.run(async () => {
      await api("DELETE", `/integration-connections/${encodeURIComponent(i.name)}`);
      list.reload();
      return `${i.title} disconnected.`;
    });

  const columns: Column<Integration>[] = [
    { header: "Vendor", cell: (i) => i.title },
    { header: "Status", cell: (i) => (i.auth === "none" ? "built in" : CONNECTION_TEXT[i.connection]) },
    { header: "Connected", cell: (i) => formatDate(i.connected_at) },
    { header: "Last refreshed", cell: (i) => formatDate(i.updated_at) },
    {
      header: "Actions",
      hidden: true,
      cell: (i) =>
        canWrite && (
          <div class="actions">
            {i.oauth && i.connection !== "connected" && (
              <button onClick={() => connect(i)} aria-label={`${i.connection === "broken" ? "Reconnect" : "Connect"} ${i.title}`}>
                {i.connection === "broken" ? "Reconnect" : "Connect"}
              </button>
            )}
            {i.auth !== "none" && i.connection !== "not_connected" && (
              <button class="secondary" onClick={() => disconnect(i)} aria-label={`Disconnect ${i.title}`}>
                Disconnect
              </button>
            )}
          </div>
        ),
    },
  ];
  return (
    <main id="main">
      <PageHeader title="Integrations" />
      {connectedTitle && (
        <p role="status" class="verified">
          {connectedTitle} is connected.
        </p>
      )}
      {connectError && (
        <p role="alert" class="problem">
          <strong>Not connected</strong>: {connectError}
        </p>
      )}
      <p class="hint">
        Agents and workflows act in these vendors' accounts through their connections.
        {!canWrite && " Connecting and disconnecting them is for owners and admins."}
        {canWrite && " Vendors connected with a key or a webhook URL are connected through POST /v1/integration-connections."}
      </p>
      {action.outcome}
      <Loaded state={list} empty={(l) => (l.data.length === 0 ? "No integrations on this platform." : null)}>
        {(l) => <Table caption="Integrations" columns={columns} rows={l.data} rowKey={(i) => i.name} />}
      </Loaded>
    </main>
  );
}
