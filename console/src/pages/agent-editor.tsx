import { useState } from "preact/hooks";
import { api, Problem } from "../api.ts";
import { navigate } from "../router.ts";
import { Field, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";
import type { AgentRow } from "./agents.tsx";
import { CallMe } from "./call-me.tsx";

/** The fields edited one by one (uncontrolled inputs, so a failed save keeps what was typed); everything else in the config is edited as JSON below them. */
const FIELDS = [
  { path: "system_prompt", label: "System prompt", kind: "textarea" },
  { path: "first_message", label: "First message", kind: "text" },
  { path: "voice", label: "Voice", kind: "text" },
  { path: "llm.model", label: "Model", kind: "text" },
  { path: "llm.temperature", label: "Temperature", kind: "number" },
  { path: "stt.model", label: "Speech-to-text model", kind: "text" },
  { path: "stt.endpointing_ms", label: "Endpointing (ms)", kind: "number" },
] as const;

const TEMPLATE = {
  system_prompt: "You are a friendly assistant. Keep answers short.",
  first_message: "Hello! How can I help?",
  voice: "aura-2-thalia-en",
  llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0", temperature: 0.4 },
  stt: { model: "nova-3", endpointing_ms: 300 },
};

type Config = Record<string, unknown>;
const get = (o: Config, path: string) => path.split(".").reduce<unknown>((v, k) => (v as Config | undefined)?.[k], o);
const fieldId = (path: string) => `cfg-${path.replace(".", "-")}`;

/** Splits a config into the separately edited fields and the rest (shown as JSON). */
function rest(config: Config): Config {
  const copy = structuredClone(config);
  for (const f of FIELDS) {
    const [head, tail] = f.path.split(".");
    if (tail) delete (copy[head!] as Config | undefined)?.[tail];
    else delete copy[head!];
  }
  for (const k of ["llm", "stt"]) if (copy[k] && Object.keys(copy[k] as Config).length === 0) delete copy[k];
  return copy;
}

function compose(form: FormData): { name: string; config: Config } | Problem {
  let config: Config;
  try {
    config = JSON.parse(String(form.get("other") || "{}"));
  } catch {
    return new Problem(422, "The request is not valid", "the other settings are not valid JSON", [{ path: "other", message: "is not valid JSON" }]);
  }
  for (const f of FIELDS) {
    const raw = String(form.get(f.path) ?? "");
    if (raw === "" && f.kind !== "textarea") continue;
    const value = f.kind === "number" ? Number(raw) : raw;
    const [head, tail] = f.path.split(".");
    if (tail) config[head!] = { ...(config[head!] as Config | undefined), [tail]: value };
    else config[head!] = value;
  }
  return { name: String(form.get("name")), config };
}

/** `canCall`: the user may place calls, so a published agent offers "Call me" (to `userId`'s own number). */
export function AgentEditor({ id, canWrite, canCall, userId }: { id: string; canWrite: boolean; canCall: boolean; userId: string }) {
  const isNew = id === "new";
  const state = useLoad(() => (isNew ? Promise.resolve(null) : api<AgentRow>("GET", `/agents/${encodeURIComponent(id)}`)), [id]);
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState("");
  const issues = error instanceof Problem ? error.errors : [];
  const issueAt = (path: string) => issues.find((i) => i.path === path || i.path === `config.${path}`)?.message;
  const otherIssues = issues.filter((i) => !FIELDS.some((f) => i.path === `config.${f.path}`) && i.path !== "name");

  const save = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setNotice("");
    const body = compose(new FormData(e.currentTarget as HTMLFormElement));
    if (body instanceof Problem) return setError(body);
    try {
      if (isNew) {
        const created = await api<AgentRow>("POST", "/agents", body);
        navigate(`/agents/${created.id}`);
      } else {
        await api("PATCH", `/agents/${encodeURIComponent(id)}`, body);
        setNotice("Draft saved.");
        state.reload();
      }
    } catch (err) {
      setError(err);
      // Focus the first field with an error, so a keyboard or screen-reader user lands on it.
      requestAnimationFrame(() => (document.querySelector(".field.invalid input, .field.invalid textarea") as HTMLElement | null)?.focus());
    }
  };
  const publish = async () => {
    setError(undefined);
    try {
      const version = await api<{ version: number }>("POST", `/agents/${encodeURIComponent(id)}/publish`);
      setNotice(`Published version ${version.version}.`);
      state.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <main id="main">
      <Loaded state={state}>
        {(agent) => {
          const config = (agent?.draft ?? TEMPLATE) as Config;
          return (
            <>
              <PageHeader title={agent ? agent.name : "New agent"}>
                {agent && (
                  <p class="status">
                    <span data-testid="live-version">{agent.live_version ? `Live: version ${agent.live_version}` : "Not published"}</span> · <a href={`/console/agents/${agent.id}/versions`}>Versions</a>
                  </p>
                )}
              </PageHeader>
              <form onSubmit={save} class="editor" key={agent?.latest_version ?? "new"} noValidate>
                <fieldset disabled={!canWrite}>
                  <legend class="sr-only">Agent configuration</legend>
                  <Field id="agent-name" label="Name" error={issueAt("name")}>
                    <input id="agent-name" name="name" defaultValue={agent?.name ?? ""} required aria-invalid={!!issueAt("name")} />
                  </Field>
                  {FIELDS.map((f) => {
                    const fid = fieldId(f.path);
                    const value = get(config, f.path);
                    const message = issueAt(f.path);
                    const common = { id: fid, name: f.path, "aria-invalid": !!message, "aria-describedby": message ? `${fid}-error` : undefined };
                    return (
                      <Field id={fid} label={f.label} error={message} key={f.path}>
                        {f.kind === "textarea" ? <textarea {...common} rows={6} defaultValue={String(value ?? "")} /> : <input {...common} type="text" inputMode={f.kind === "number" ? "decimal" : "text"} defaultValue={value == null ? "" : String(value)} />}
                      </Field>
                    );
                  })}
                  <Field id="cfg-other" label="Other settings (JSON: tools, interruption, analysis…)" error={issueAt("other") ?? (otherIssues.length ? otherIssues.map((i) => `${i.path}: ${i.message}`).join("; ") : undefined)}>
                    <textarea id="cfg-other" name="other" rows={10} class="code" defaultValue={JSON.stringify(rest(config), null, 2)} />
                  </Field>
                </fieldset>
                <ProblemMessage error={error} />
                {notice && <p role="status" class="notice">{notice}</p>}
                {canWrite && (
                  <div class="actions">
                    <button type="submit">{isNew ? "Create agent" : "Save draft"}</button>
                    {agent && (
                      <button type="button" class="secondary" onClick={publish}>
                        Publish
                      </button>
                    )}
                  </div>
                )}
              </form>
              {agent?.live_version && canCall && <CallMe agentId={agent.id} userId={userId} />}
            </>
          );
        }}
      </Loaded>
    </main>
  );
}
