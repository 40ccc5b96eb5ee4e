import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { Table, type Column } from "../data-table.tsx";
import { useLocation } from "../router.ts";
import { formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import { API_KEY, IntegrationSecretForm, WEBHOOK_URL, type SecretKind } from "./integration-secret-form.tsx";

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
 * A vendor connected with a secret the tenant pastes, an API key (Cal.com; HubSpot's private-app token) or an incoming
 * webhook URL (Slack, Zapier, Make), also has a form below the table.
 */
export function IntegrationsPage({ canWrite }: { canWrite: boolean }) {
  const { query } = useLocation();
  const list = useLoad(() => api<{ data: Integration[] }>("GET", "/integrations"), []);
  const action = useAction();
  const connected = query.get("connected");
  const connectedTitle = connected && (list.data?.data.find((i) => i.name === connected)?.title ?? connected);
  const connectError = query.get("connect_error");
  // Which secret form the last refusal belongs to (null: none): the outcome is the page's, so it outlives the list's reload.
  const [formName, setFormName] = useState<string | null>(null);
  const run = (form: string | null, work: () => Promise<string>) => {
    setFormName(form);
    void action.run(work);
  };

  const connect = (i: Integration) =>
    run(null, async () => {
      const start = await api<{ authorize_url: string }>("GET", `/integrations/${encodeURIComponent(i.name)}/connect`);
      location.assign(start.authorize_url);
      return `Opening ${i.title}…`;
    });
  const connectWith = (kind: SecretKind) => (i: Integration, secret: string) =>
    run(i.name, async () => {
      await api("POST", "/integration-connections", { integration: i.name, [kind.field]: secret });
      list.reload();
      return `${i.title} is connected with its ${kind.short}.`;
    });
  const disconnect = (i: Integration) =>
    run(null, async () => {
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
      </p>
      {action.outcome}
      <Loaded state={list} empty={(l) => (l.data.length === 0 ? "No integrations on this platform." : null)}>
        {(l) => (
          <>
            <Table caption="Integrations" columns={columns} rows={l.data} rowKey={(i) => i.name} />
            {canWrite && (
              <>
                <SecretForms kind={API_KEY} heading="Connect with an API key" integrations={l.data.filter((i) => i.auth === "api_key")} error={action.error} errorFor={formName} onSubmit={connectWith(API_KEY)}>
                  The key is stored encrypted and never shown again; to change it, connect again with the new one.
                </SecretForms>
                <SecretForms kind={WEBHOOK_URL} heading="Connect with a webhook URL" integrations={l.data.filter((i) => i.auth === "incoming_webhook")} error={action.error} errorFor={formName} onSubmit={connectWith(WEBHOOK_URL)}>
                  The URL is a secret: whoever holds it can post through it. It is stored encrypted and never shown again; to change it, connect again with the new one. The platform calls only
                  https URLs on public addresses.
                </SecretForms>
              </>
            )}
          </>
        )}
      </Loaded>
    </main>
  );
}

interface SecretFormsProps {
  kind: SecretKind;
  heading: string;
  integrations: Integration[];
  error: unknown;
  errorFor: string | null;
  onSubmit: (i: Integration, secret: string) => void;
  children: ComponentChildren;
}

function SecretForms({ kind, heading, integrations, error, errorFor, onSubmit, children }: SecretFormsProps) {
  if (integrations.length === 0) return null;
  const titleId = `${kind.field.replace("_", "-")}-forms-title`;
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>{heading}</h2>
      <p class="hint">{children}</p>
      {integrations.map((i) => (
        <IntegrationSecretForm key={i.name} kind={kind} integration={i} error={errorFor === i.name ? error : undefined} onSubmit={(secret) => onSubmit(i, secret)} />
      ))}
    </section>
  );
}
