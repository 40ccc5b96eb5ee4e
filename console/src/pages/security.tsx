import { useState } from "preact/hooks";
import { consoleCall, Problem, type Session } from "../api.ts";
import { Field, formatDate, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";

interface SessionRow {
  id: string;
  user_agent: string | null;
  created_at: string;
  last_seen_at: string;
  current: boolean;
}

/** TOTP enrolment (required before anything else when the account demands it). */
export function MfaSetup({ required, onDone }: { required: boolean; onDone: () => void }) {
  const [secret, setSecret] = useState<{ secret: string; otpauth_uri: string }>();
  const [codes, setCodes] = useState<string[]>();
  const [error, setError] = useState<unknown>();

  const start = async () => {
    setError(undefined);
    try {
      setSecret(await consoleCall("POST", "/mfa/totp"));
    } catch (err) {
      setError(err);
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget as HTMLFormElement).get("code"));
    try {
      setCodes((await consoleCall<{ recovery_codes: string[] }>("POST", "/mfa/totp/confirm", { code })).recovery_codes);
    } catch (err) {
      setError(err);
    }
  };

  if (codes) {
    return (
      <section aria-labelledby="codes-title">
        <h2 id="codes-title">Recovery codes</h2>
        <p>Each code signs you in once without your device. Keep them somewhere safe: they are not shown again.</p>
        <ul class="codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        <button onClick={onDone}>Done</button>
      </section>
    );
  }
  return (
    <section aria-labelledby="mfa-title">
      <h2 id="mfa-title">Two-factor authentication</h2>
      {required && <p>Your account requires an authenticator app before you continue.</p>}
      {!secret ? (
        <button onClick={start}>Set up an authenticator app</button>
      ) : (
        <form onSubmit={confirm}>
          <p>
            Add this key to your authenticator app: <code data-testid="totp-secret">{secret.secret}</code>
          </p>
          <p class="hint">
            Or open <a href={secret.otpauth_uri}>the otpauth link</a> on the device.
          </p>
          <Field id="totp-code" label="The 6-digit code it shows" error={error instanceof Problem ? error.errors.find((i) => i.path === "code")?.message : undefined}>
            <input id="totp-code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required />
          </Field>
          <button type="submit">Turn on</button>
        </form>
      )}
      <ProblemMessage error={error} />
    </section>
  );
}

export function SecurityPage({ session, onChange }: { session: Session; onChange: () => void }) {
  const sessions = useLoad(() => consoleCall<{ data: SessionRow[] }>("GET", "/sessions"), []);
  const [error, setError] = useState<unknown>();
  const revoke = async (id: string) => {
    try {
      await consoleCall("DELETE", `/sessions/${id}`);
      sessions.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <main id="main">
      <PageHeader title="Security" />
      {session.mfa_enabled ? <p>Two-factor authentication is on.</p> : <MfaSetup required={false} onDone={onChange} />}
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Signed-in sessions</h2>
        <ProblemMessage error={error} />
        <Loaded state={sessions} empty={(d) => (d.data.length === 0 ? "No other sessions." : null)}>
          {(d) => (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Your live sessions">
            <table>
              <caption class="sr-only">Your live sessions</caption>
              <thead><tr><th scope="col">Browser</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {d.data.map((s) => (
                  <tr key={s.id}>
                    <td class="wrap">{s.user_agent?.slice(0, 80) ?? "unknown"}{s.current && " (this one)"}</td>
                    <td>{formatDate(s.created_at)}</td>
                    <td>{formatDate(s.last_seen_at)}</td>
                    <td>{!s.current && <button class="secondary" onClick={() => revoke(s.id)}>Sign out</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </Loaded>
      </section>
    </main>
  );
}
