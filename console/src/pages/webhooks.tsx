import { useState } from "preact/hooks";
import { api, Problem } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { Field, PageHeader } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import { Deliveries } from "./webhook-deliveries.tsx";

export interface Endpoint {
  id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
}

/** The API checks each type against its catalogue, so a typo comes back at the field. */
const eventTypes = (raw: string) => raw.split(/[\s,]+/).filter(Boolean);

export function WebhooksPage({ canWrite }: { canWrite: boolean }) {
  const endpoints = usePagedList<Endpoint>("/webhooks/endpoints?limit=50");
  const action = useAction();
  const [secret, setSecret] = useState("");
  const create = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setSecret("");
    void action.run(async () => {
      const body = { url: String(form.get("url")), event_types: eventTypes(String(form.get("event_types"))), description: String(form.get("description")) || undefined };
      const created = await api<Endpoint & { secret: string }>("POST", "/webhooks/endpoints", body);
      setSecret(created.secret);
      endpoints.reload();
      return `Endpoint ${created.url} added.`;
    });
  };
  const setEnabled = (endpoint: Endpoint, enabled: boolean) =>
    action.run(async () => {
      await api("PATCH", `/webhooks/endpoints/${encodeURIComponent(endpoint.id)}`, { enabled });
      endpoints.reload();
      return `${endpoint.url} ${enabled ? "enabled" : "disabled"}.`;
    });
  const issues = action.error instanceof Problem ? action.error.errors : [];
  const issueAt = (field: string) => issues.filter((i) => i.path === field || i.path.startsWith(`${field}.`)).map((i) => i.message).join("; ") || undefined;
  const columns: Column<Endpoint>[] = [
    { header: "URL", cell: (e) => (<>{e.url}{e.description && <><br /><small>{e.description}</small></>}</>) },
    { header: "Events", cell: (e) => e.event_types.join(", ") },
    { header: "State", cell: (e) => (e.enabled ? "enabled" : `disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ""}`) },
    {
      header: "Actions",
      hidden: true,
      cell: (e) =>
        canWrite && (
          <button class="secondary" onClick={() => setEnabled(e, !e.enabled)} aria-label={`${e.enabled ? "Disable" : "Enable"} ${e.url}`}>
            {e.enabled ? "Disable" : "Enable"}
          </button>
        ),
    },
  ];
  return (
    <main id="main">
      <PageHeader title="Webhooks" />
      <section aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        {canWrite && (
          <form class="inline-form" onSubmit={create} aria-label="Add an endpoint" noValidate>
            <Field id="wh-url" label="URL (HTTPS)" error={issueAt("url")}>
              <input id="wh-url" name="url" type="url" required aria-invalid={!!issueAt("url")} />
            </Field>
            <Field id="wh-events" label="Event types" hint="Comma-separated, e.g. call.ended, call.analyzed" error={issueAt("event_types")}>
              <input id="wh-events" name="event_types" required defaultValue="call.ended, call.analyzed" aria-describedby="wh-events-hint" aria-invalid={!!issueAt("event_types")} />
            </Field>
            <Field id="wh-description" label="Description">
              <input id="wh-description" name="description" maxLength={500} />
            </Field>
            <button type="submit">Add endpoint</button>
          </form>
        )}
        {secret && (
          <p role="status" class="notice">
            Signing secret, shown once: store it now. <code data-testid="endpoint-secret">{secret}</code>
          </p>
        )}
        {action.outcome}
        <DataTable list={endpoints} caption="Webhook endpoints" columns={columns} rowKey={(e) => e.id} empty="No endpoints yet: add one to receive call events." />
      </section>
      <Deliveries canWrite={canWrite} />
    </main>
  );
}
