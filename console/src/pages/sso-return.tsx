import { useEffect, useState } from "preact/hooks";
import { consoleCall } from "../api.ts";
import { PageHeader, ProblemMessage } from "../ui.tsx";

/**
 * Where the SSO provider sends the browser back: the ID token is in the URL fragment (never sent to a server by the
 * browser), and is exchanged once for a console session; the address is cleared of it at once.
 */
export function SsoReturn({ onDone }: { onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const idToken = new URLSearchParams(location.hash.slice(1)).get("id_token") ?? "";
    history.replaceState(null, "", "/console/sso");
    consoleCall("POST", "/sign-in/sso", { id_token: idToken }).then(() => {
      history.replaceState(null, "", "/console/");
      onDone();
    }, setError);
  }, []);
  return (
    <main class="narrow" id="main">
      <PageHeader title="Signing in with SSO" />
      {error ? (
        <>
          <ProblemMessage error={error} />
          <a href="/console/">Back to sign-in</a>
        </>
      ) : (
        <p aria-busy="true">Checking your sign-in…</p>
      )}
    </main>
  );
}
