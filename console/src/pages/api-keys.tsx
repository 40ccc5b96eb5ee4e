import { useState } from "preact/hooks";
import { api, type Page } from "../api.ts";
import { Field, formatDate, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";

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
  const keys = useLoad(() => api<Page<ApiKey>>("GET", "/api-keys?limit=100"), []);
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
      <Loaded state={keys} empty={(p) => (p.data.length === 0 ? "No API keys." : null)}>
        {(p) => (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
            <table>
              <caption class="sr-only">API keys</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {p.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td><code>{k.prefix}…</code></td>
                    <td>{formatDate(k.created_at)}</td>
                    <td>{k.revoked_at ? `revoked ${formatDate(k.revoked_at)}` : formatDate(k.last_used_at)}</td>
                    <td>{canWrite && !k.revoked_at && <button class="secondary" onClick={() => revoke(k.id)}>Revoke</button>}</td>
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
