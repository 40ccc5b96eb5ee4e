import { useState } from "preact/hooks";
import { api, Problem, type Page } from "../api.ts";
import { useAction } from "../use-action.tsx";
import { Field, useLoad } from "../ui.tsx";

interface UserPhone {
  phone: string;
  status: "pending" | "verified";
}

interface PlacedCall {
  id: string;
  to: string;
  status: string;
}

/** The caller ID for a test call: a number routed to this agent, else the account's first active one. */
async function callerId(agentId: string): Promise<string> {
  const numbers = await api<Page<{ e164: string; agent_id: string | null; status: string }>>("GET", "/phone-numbers?limit=100");
  const active = numbers.data.filter((n) => n.status === "active");
  const pick = active.find((n) => n.agent_id === agentId) ?? active[0];
  if (!pick) throw new Problem(409, "No number to call from", "add a phone number to the account first (Numbers)");
  return pick.e164;
}

/**
 * "Call me": the agent calls the signed-in user's own number, once the user has proved it with a texted code. The
 * call is an ordinary `POST /v1/calls` with `consent_type: self_test`, which the API allows only to that number.
 */
export function CallMe({ agentId, userId }: { agentId: string; userId: string }) {
  const path = `/users/${encodeURIComponent(userId)}/phone`;
  // No number yet is a 404: the form to add one, not an error.
  const phone = useLoad(() => api<UserPhone>("GET", path).catch((err) => (err instanceof Problem && err.status === 404 ? null : Promise.reject(err))), [path]);
  const [editing, setEditing] = useState(false);
  const [placed, setPlaced] = useState<PlacedCall | null>(null);
  const { run, outcome } = useAction();
  const current = phone.data;

  const setNumber = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    return run(async () => {
      const set = await api<UserPhone>("POST", path, { phone: String(form.get("phone")).trim() });
      setEditing(false);
      phone.reload();
      return set.status === "verified" ? `${set.phone} is already your verified number.` : `A code was texted to ${set.phone}.`;
    });
  };
  const checkCode = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    return run(async () => {
      const checked = await api<UserPhone>("POST", `${path}/check`, { code: String(form.get("code")).trim() });
      phone.reload();
      return `${checked.phone} is verified.`;
    });
  };
  const callMe = () =>
    run(async () => {
      const call = await api<PlacedCall>("POST", "/calls", { agent_id: agentId, to: current!.phone, from: await callerId(agentId), consent_type: "self_test", machine_detection: false });
      setPlaced(call);
      return `Calling ${call.to}.`;
    });

  if (phone.error) return null;
  return (
    <section class="call-me" aria-labelledby="call-me-title">
      <h2 id="call-me-title">Call me</h2>
      {current === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : current?.status === "verified" && !editing ? (
        <div class="actions">
          <span data-testid="own-phone">Your number: {current.phone}</span>
          <button type="button" onClick={callMe}>
            Call me
          </button>
          <button type="button" class="secondary" onClick={() => setEditing(true)}>
            Change number
          </button>
        </div>
      ) : current?.status === "pending" && !editing ? (
        <form onSubmit={checkCode}>
          <Field id="own-phone-code" label={`Code texted to ${current.phone}`}>
            <input id="own-phone-code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" required />
          </Field>
          <div class="actions">
            <button type="submit">Verify number</button>
            <button type="button" class="secondary" onClick={() => setEditing(true)}>
              Change number
            </button>
          </div>
        </form>
      ) : (
        <form onSubmit={setNumber}>
          <Field id="own-phone" label="Your phone number" hint="In international form, e.g. +442071838750. We text you a code to prove it is yours.">
            <input id="own-phone" name="phone" type="tel" autoComplete="tel" aria-describedby="own-phone-hint" required />
          </Field>
          <button type="submit">Text me a code</button>
        </form>
      )}
      {outcome}
      {placed && (
        <p data-testid="self-test-call">
          Call <a href={`/console/live/${placed.id}`}>{placed.id}</a> to {placed.to}: {placed.status}
        </p>
      )}
    </section>
  );
}
