import { useEffect, useRef, useState } from "preact/hooks";
import { Problem } from "../api.ts";
import { Field, formatDate } from "../ui.tsx";

export interface SecretIntegration {
  name: string;
  title: string;
  connection: "connected" | "broken" | "not_connected";
  connected_at: string | null;
}

/** What a tenant pastes to connect a vendor: the connect body's field, what the page calls it, and its input. */
export interface SecretKind {
  field: "api_key" | "webhook_url";
  /** As in "the Cal.com API key". */
  noun: string;
  /** As in "Replace the key". */
  short: string;
  /** The input's type: a key is masked; a URL input gets the URL keyboard on a phone. A union of objects, as preact's
   * input typings pair each type with its roles. */
  input: { type: "password" } | { type: "url" };
}

export const API_KEY: SecretKind = { field: "api_key", noun: "API key", short: "key", input: { type: "password" } };
export const WEBHOOK_URL: SecretKind = { field: "webhook_url", noun: "webhook URL", short: "URL", input: { type: "url" } };

/** The API's refusal of the secret: its issue at the secret's field if it names one, else the problem's detail. */
function refusal(error: unknown, field: SecretKind["field"]): string | undefined {
  if (!(error instanceof Problem)) return undefined;
  const issue = error.errors.filter((i) => i.path === field).map((i) => i.message).join("; ");
  return issue || `${error.title}: ${error.detail}`;
}

/**
 * Connects (or replaces the secret of) an integration the tenant connects by pasting a secret: an API key, or a
 * webhook URL (whoever holds the URL can post through it). The secret goes from the input into one request and the
 * input is emptied as it leaves: the page keeps no copy, and the API never sends it back. `error` is the page's last
 * refusal when it was this form's request, so it lands at this input, which takes the focus back.
 */
export function IntegrationSecretForm({ kind, integration, error, onSubmit }: { kind: SecretKind; integration: SecretIntegration; error: unknown; onSubmit: (secret: string) => void }) {
  const id = `${kind.field.replace("_", "-")}-${integration.name}`;
  const input = useRef<HTMLInputElement>(null);
  const [missing, setMissing] = useState(false);
  const refused = refusal(error, kind.field);
  const message = missing ? `Enter the ${integration.title} ${kind.noun}.` : refused;
  // Back to the input, whose description now carries the refusal: a screen reader reads it with the field.
  useEffect(() => void (refused && input.current?.focus()), [error]);
  const submit = (e: Event) => {
    e.preventDefault();
    const secret = input.current!.value;
    input.current!.value = "";
    setMissing(secret === "");
    if (secret === "") input.current!.focus();
    else onSubmit(secret);
  };
  const connected = integration.connection === "connected";
  return (
    <form class="key-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>{integration.title}</h3>
      <p data-testid={`${id}-state`}>
        {connected ? `Connected since ${formatDate(integration.connected_at)}.` : integration.connection === "broken" ? `Broken: the vendor refused the stored ${kind.short}.` : "Not connected."}
      </p>
      <div class="inline-form">
        <Field id={id} label={`${integration.title} ${kind.noun}`} error={message}>
          <input ref={input} id={id} name={kind.field} {...kind.input} autoComplete="off" spellcheck={false} aria-invalid={!!message} aria-describedby={message ? `${id}-error` : undefined} />
        </Field>
        <button type="submit">{connected ? `Replace the ${kind.short}` : `Connect with the ${kind.short}`}</button>
      </div>
    </form>
  );
}
