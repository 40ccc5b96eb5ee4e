import { useState } from "preact/hooks";
import { Problem } from "../api.ts";
import { Field, formatDate } from "../ui.tsx";

export interface KeyedIntegration {
  name: string;
  title: string;
  connection: "connected" | "broken" | "not_connected";
  connected_at: string | null;
}

/** The API's refusal of a key: its issue at `api_key` if it names one, else the problem's detail. */
function refusal(error: unknown): string | undefined {
  if (!(error instanceof Problem)) return undefined;
  const issue = error.errors.filter((i) => i.path === "api_key").map((i) => i.message).join("; ");
  return issue || `${error.title}: ${error.detail}`;
}

/**
 * Connects (or re-keys) an integration that takes an API key. The key goes from the password input into one request
 * and the input is emptied as it leaves: the page keeps no copy, and the API never sends it back. `error` is the
 * page's last refusal when it was this form's request, so it lands at this input.
 */
export function IntegrationKeyForm({ integration, error, onSubmit }: { integration: KeyedIntegration; error: unknown; onSubmit: (apiKey: string) => void }) {
  const id = `api-key-${integration.name}`;
  const [missing, setMissing] = useState(false);
  const message = missing ? `Enter the ${integration.title} API key.` : refusal(error);
  const submit = (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem("api_key") as HTMLInputElement;
    const apiKey = input.value;
    input.value = "";
    setMissing(apiKey === "");
    if (apiKey === "") input.focus();
    else onSubmit(apiKey);
  };
  const connected = integration.connection === "connected";
  return (
    <form class="key-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>{integration.title}</h3>
      <p data-testid={`${id}-state`}>{connected ? `Connected since ${formatDate(integration.connected_at)}.` : integration.connection === "broken" ? "Broken: the vendor refused the stored key." : "Not connected."}</p>
      <div class="inline-form">
        <Field id={id} label={`${integration.title} API key`} error={message}>
          <input id={id} name="api_key" type="password" autoComplete="off" spellcheck={false} aria-invalid={!!message} aria-describedby={message ? `${id}-error` : undefined} />
        </Field>
        <button type="submit">{connected ? "Replace the key" : "Connect with the key"}</button>
      </div>
    </form>
  );
}
