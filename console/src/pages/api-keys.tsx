import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { Field, formatDate, PageHeader, ProblemMessage } from "../ui.tsx";

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function ApiKeysPage({ canWrite, scopes }: { canWrite: boolean; scopes: string[] }) {
  const keys = usePagedList<ApiKey>("/api-keys?limit=50");
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState("");
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const name = String(new FormData(e.currentTarget as HTMLFormElement).get("name"));
    try {
      setSecret((await api<{ key: string }>("POST", "/api-keys", { name, scopes })).key);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api("DELETE", `/api-keys/${encodeURIComponent(id)}`);
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };
  const columns: Column<ApiKey>[] = [
    { header: "Name", cell: (k) => k.name },
    { header: "Key", cell: (k) => <code>{k.prefix}…</code> },
    { header: "Created", cell: (k) => formatDate(k.created_at) },
    { header: "Last used", cell: (k) => (k.revoked_at ? `revoked ${formatDate(k.revoked_at)}` : formatDate(k.last_used_at)) },
    { header: "Actions", hidden: true, cell: (k) => canWrite && !k.revoked_at && <button class="secondary" onClick={() => revoke(k.id)}>Revoke</button> },
  ];
  return (
    <main id="main">
      <PageHeader title="API keys" />
      {canWrite && (
        <form class="inline-form" onSubmit={create}>
          <Field id="key-name" label="New key name">
            <input id="key-name" name="name" required maxLength={200} />
          </Field>
          <button type="submit">Create key</button>
        </form>
      )}
      {secret && (
        <p role="status" class="notice">
          Copy the key now, it is not shown again: <code>{secret}</code>
        </p>
      )}
      <ProblemMessage error={error} />
      <DataTable list={keys} caption="API keys" columns={columns} rowKey={(k) => k.id} empty="No API keys." />
    </main>
  );
}
