import { useState } from "preact/hooks";
import { api, Problem } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { Field, formatDate } from "../ui.tsx";
import { useAction } from "../use-action.tsx";

interface VerifiedNumber {
  phone: string;
  status: "pending" | "verified";
  code_expires_at: string | null;
  attempts_left: number;
  created_at: string;
  verified_at: string | null;
}

const checkPath = (phone: string) => `/verified-numbers/${encodeURIComponent(phone)}/check`;

/**
 * The numbers an account on trial may call and text: a code is texted to the number, and typing it back verifies
 * it. The API's field errors (a malformed number, a wrong code) are shown at their field.
 */
export function VerifiedNumbers({ canWrite }: { canWrite: boolean }) {
  const list = usePagedList<VerifiedNumber>("/verified-numbers?limit=20");
  const action = useAction();
  const [pending, setPending] = useState("");
  const issues = action.error instanceof Problem ? action.error.errors : [];
  const issueAt = (field: string) => issues.filter((i) => i.path === field).map((i) => i.message).join("; ") || undefined;

  const sendCode = (e: Event) => {
    e.preventDefault();
    const phone = String(new FormData(e.currentTarget as HTMLFormElement).get("phone")).trim();
    void action.run(async () => {
      const sent = await api<VerifiedNumber>("POST", "/verified-numbers", { phone });
      list.reload();
      if (sent.status === "verified") return `${phone} is already verified.`;
      setPending(sent.phone);
      return `A 6-digit code was texted to ${sent.phone}.`;
    });
  };
  const checkCode = (e: Event) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget as HTMLFormElement).get("code")).trim();
    void action.run(async () => {
      await api<VerifiedNumber>("POST", checkPath(pending), { code });
      setPending("");
      list.reload();
      return `${pending} is verified.`;
    });
  };
  const forget = (n: VerifiedNumber) =>
    action.run(async () => {
      await api("DELETE", `/verified-numbers/${encodeURIComponent(n.phone)}`);
      list.reload();
      return `${n.phone} removed.`;
    });

  const columns: Column<VerifiedNumber>[] = [
    { header: "Number", cell: (n) => <code>{n.phone}</code> },
    { header: "Status", cell: (n) => (n.status === "verified" ? `verified ${formatDate(n.verified_at)}` : `code sent, expires ${formatDate(n.code_expires_at)}`) },
    {
      header: "Actions",
      hidden: true,
      cell: (n) =>
        canWrite && (
          <div class="actions">
            {n.status === "pending" && (
              <button class="secondary" onClick={() => setPending(n.phone)} aria-label={`Enter the code for ${n.phone}`}>
                Enter code
              </button>
            )}
            <button class="secondary" onClick={() => forget(n)} aria-label={`Remove ${n.phone}`}>
              Remove
            </button>
          </div>
        ),
    },
  ];
  return (
    <section aria-labelledby="verified-title">
      <h2 id="verified-title">Verified numbers</h2>
      <p class="hint">While on trial, the account calls and texts only these numbers.</p>
      {canWrite && (
        <form class="inline-form" onSubmit={sendCode} aria-label="Verify a number" noValidate>
          <Field id="vn-phone" label="Phone number (E.164)" hint="such as +14155550100" error={issueAt("phone")}>
            <input id="vn-phone" name="phone" type="tel" required aria-describedby={issueAt("phone") ? "vn-phone-error" : "vn-phone-hint"} aria-invalid={!!issueAt("phone")} />
          </Field>
          <button type="submit">Text a code</button>
        </form>
      )}
      {canWrite && pending && (
        <form class="inline-form" onSubmit={checkCode} aria-label={`Confirm ${pending}`} noValidate>
          <Field id="vn-code" label={`Code texted to ${pending}`} error={issueAt("code")}>
            <input id="vn-code" name="code" inputMode="numeric" autocomplete="one-time-code" required aria-describedby={issueAt("code") ? "vn-code-error" : undefined} aria-invalid={!!issueAt("code")} />
          </Field>
          <button type="submit">Verify</button>
        </form>
      )}
      {action.outcome}
      <DataTable list={list} caption="Verified numbers" columns={columns} rowKey={(n) => n.phone} empty="No verified numbers yet." />
    </section>
  );
}
