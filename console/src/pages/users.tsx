import { useState } from "preact/hooks";
import { api, Problem, type Page } from "../api.ts";
import { Field, formatDate, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";

interface User {
  id: string;
  email: string;
  name: string | null;
  role: string;
  created_at: string;
}

const ROLES = ["viewer", "developer", "admin", "owner"];

/** Inviting is two API calls a tenant could make: add the user, then email them a link. */
export function UsersPage({ canWrite }: { canWrite: boolean }) {
  const users = useLoad(() => api<Page<User>>("GET", "/users?limit=100"), []);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState("");
  const invite = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setNotice("");
    const form = new FormData(e.currentTarget as HTMLFormElement);
    try {
      const user = await api<User>("POST", "/users", { email: String(form.get("email")), role: String(form.get("role")) });
      const sent = await api<{ sent_to: string }>("POST", `/users/${user.id}/invitations`);
      setNotice(`Invitation sent to ${sent.sent_to}.`);
      users.reload();
    } catch (err) {
      setError(err);
    }
  };
  const resend = async (id: string) => {
    try {
      setNotice(`Invitation sent to ${(await api<{ sent_to: string }>("POST", `/users/${id}/invitations`)).sent_to}.`);
    } catch (err) {
      setError(err);
    }
  };
  const emailIssue = error instanceof Problem ? error.errors.find((i) => i.path === "email")?.message : undefined;
  return (
    <main id="main">
      <PageHeader title="Users" />
      {canWrite && (
        <form class="inline-form" onSubmit={invite}>
          <Field id="invite-email" label="Email" error={emailIssue}>
            <input id="invite-email" name="email" type="email" required />
          </Field>
          <Field id="invite-role" label="Role">
            <select id="invite-role" name="role">{ROLES.map((r) => <option key={r}>{r}</option>)}</select>
          </Field>
          <button type="submit">Invite</button>
        </form>
      )}
      <ProblemMessage error={error} />
      {notice && <p role="status" class="notice">{notice}</p>}
      <Loaded state={users} empty={(p) => (p.data.length === 0 ? "No users." : null)}>
        {(p) => (
          <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
            <table>
              <caption class="sr-only">Users of this account</caption>
              <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {p.data.map((u) => (
                  <tr key={u.id}>
                    <td>{u.email}</td>
                    <td>{u.role}</td>
                    <td>{formatDate(u.created_at)}</td>
                    <td>{canWrite && <button class="secondary" onClick={() => resend(u.id)}>Send invitation</button>}</td>
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
