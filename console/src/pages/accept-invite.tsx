import { useState } from "preact/hooks";
import { consoleCall, Problem } from "../api.ts";
import { Field, PageHeader, ProblemMessage } from "../ui.tsx";

/** The invitation link's page: the token is in the URL fragment, which the browser never sends anywhere. */
export function AcceptInvite({ onDone }: { onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  const passwordError = error instanceof Problem ? error.errors.find((i) => i.path === "password")?.message : undefined;

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    if (form.get("password") !== form.get("confirm")) return setError(new Problem(422, "The passwords differ", "type the same password twice"));
    try {
      await consoleCall("POST", "/invitations/accept", { token, password: String(form.get("password")) });
      history.replaceState(null, "", "/console/");
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <main class="narrow" id="main">
      <PageHeader title="Set your password" />
      <form onSubmit={submit}>
        <Field id="password" label="New password" hint="At least 12 characters." error={passwordError}>
          <input id="password" name="password" type="password" autoComplete="new-password" minLength={12} required aria-describedby="password-hint" />
        </Field>
        <Field id="confirm" label="Repeat the password">
          <input id="confirm" name="confirm" type="password" autoComplete="new-password" required />
        </Field>
        <ProblemMessage error={error} />
        <button type="submit">Set password and sign in</button>
      </form>
    </main>
  );
}
