import { useState } from "preact/hooks";
import { api, Problem } from "../api.ts";
import { Field, ProblemMessage } from "../ui.tsx";

/**
 * A supervisor's hold on a live call: hang up, or transfer it (`POST /v1/calls/{id}/hangup`, `…/transfer`), the
 * same routes a tenant's code calls. Shown only to a role with `calls:write`; the API refuses the others anyway.
 */
export function SupervisorControls({ callId }: { callId: string }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const path = `/calls/${encodeURIComponent(callId)}`;

  const run = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setError(null);
    setNotice("");
    try {
      await action();
      setNotice(done);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  const transfer = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    void run(() => api("POST", `${path}/transfer`, { to: String(form.get("to")).trim(), mode: form.get("mode") }), "Transfer started: the call's events follow its progress.");
  };

  const fieldError = (field: string) => (error instanceof Problem ? error.errors.find((i) => i.path === field)?.message : undefined);

  return (
    <section aria-labelledby="supervise-title" class="supervise">
      <h2 id="supervise-title">Supervise</h2>
      <div class="actions">
        {confirming ? (
          <>
            <button type="button" class="danger" disabled={busy} onClick={() => run(() => api("POST", `${path}/hangup`), "Hang-up requested.")}>
              Hang up now
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Keep the call
            </button>
          </>
        ) : (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Hang up
          </button>
        )}
      </div>
      <form class="inline-form" onSubmit={transfer} aria-label="Transfer the call">
        <Field id="transfer-to" label="Transfer to" error={fieldError("to")} hint="A phone number in E.164 form, e.g. +14155550188">
          <input id="transfer-to" name="to" type="tel" required autocomplete="off" aria-invalid={fieldError("to") ? "true" : undefined} aria-describedby={fieldError("to") ? "transfer-to-error" : "transfer-to-hint"} />
        </Field>
        <Field id="transfer-mode" label="Mode">
          <select id="transfer-mode" name="mode">
            <option value="cold">Cold: put the caller straight through</option>
            <option value="warm">Warm: brief the new party first</option>
          </select>
        </Field>
        <button type="submit" disabled={busy}>
          Transfer
        </button>
      </form>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ProblemMessage error={error} />
    </section>
  );
}
