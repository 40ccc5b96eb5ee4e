import { useState } from "preact/hooks";
import { consoleCall, Problem, type Session } from "../api.ts";
import { Field, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";

/** Email and password, then the authenticator code when the user has TOTP on. */
export function SignIn({ stage, onDone }: { stage: Session["stage"] | null; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // Shown only where SSO is configured; without it (or if this fails) the password form is all there is.
  const sso = useLoad(() => consoleCall<{ enabled: boolean; login_url: string | null }>("GET", "/sso"), []);

  const submit = (path: string, read: (form: FormData) => unknown) => async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await consoleCall("POST", path, read(new FormData(e.currentTarget as HTMLFormElement)));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (stage === "mfa") {
    return (
      <main class="narrow" id="main">
        <PageHeader title="Two-factor authentication" />
        <form onSubmit={submit("/sign-in/second-factor", (f) => ({ code: String(f.get("code")) }))}>
          <Field id="code" label="Code from your authenticator app, or a recovery code" error={error instanceof Problem ? error.errors.find((i) => i.path === "code")?.message : undefined}>
            <input id="code" name="code" autoComplete="one-time-code" inputMode="text" required autoFocus />
          </Field>
          <ProblemMessage error={error} />
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </form>
      </main>
    );
  }
  return (
    <main class="narrow" id="main">
      <PageHeader title="Sign in" />
      <form onSubmit={submit("/sign-in", (f) => ({ email: String(f.get("email")), password: String(f.get("password")) }))}>
        <Field id="email" label="Email">
          <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
        </Field>
        <Field id="password" label="Password">
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </Field>
        <ProblemMessage error={error} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {sso.data?.enabled && sso.data.login_url && (
        <p>
          <a class="button secondary" href={sso.data.login_url}>
            Sign in with SSO
          </a>
        </p>
      )}
      <p class="hint">No password yet? Ask an owner of your account to invite you.</p>
    </main>
  );
}
