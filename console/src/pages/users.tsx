import { useState } from "preact/hooks";
import { api, Problem } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { Field, formatDate, PageHeader, ProblemMessage } from "../ui.tsx";

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
  const users = usePagedList<User>("/users?limit=50");
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
  const columns: Column<User>[] = [
    { header: "Email", cell: (u) => u.email },
    { header: "Role", cell: (u) => u.role },
    { header: "Added", cell: (u) => formatDate(u.created_at) },
    { header: "Actions", hidden: true, cell: (u) => canWrite && <button class="secondary" onClick={() => resend(u.id)}>Send invitation</button> },
  ];
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
      <DataTable list={users} caption="Users of this account" columns={columns} rowKey={(u) => u.id} empty="No users." />
    </main>
  );
}
