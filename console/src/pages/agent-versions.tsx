import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { DataTable, usePagedList, type Column } from "../data-table.tsx";
import { lineDiff } from "../line-diff.ts";
import { Field, formatDate, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { useAction } from "../use-action.tsx";
import type { AgentRow } from "./agents.tsx";

interface Version {
  version: number;
  live: boolean;
  config: Record<string, unknown>;
  published_by: string;
  published_at: string;
}

const DRAFT = "draft";
const SIGN = { same: " ", add: "+", del: "−" } as const;

/** Two configs side by side as one line diff of their pretty-printed JSON. */
function ConfigDiff({ from, to }: { from: { label: string; config: unknown }; to: { label: string; config: unknown } }) {
  const lines = lineDiff(JSON.stringify(from.config, null, 2), JSON.stringify(to.config, null, 2));
  const changed = lines.filter((l) => l.op !== "same").length;
  return (
    <figure class="diff">
      <figcaption>
        {from.label} → {to.label}: {changed === 0 ? "no differences" : `${changed} changed lines`}
      </figcaption>
      <pre data-testid="config-diff">
        {lines.map((l, n) => (
          <span key={n} class={`diff-${l.op}`}>
            {l.op !== "same" && <span class="sr-only">{l.op === "add" ? "added: " : "removed: "}</span>}
            <span aria-hidden="true">{SIGN[l.op]} </span>
            {l.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </figure>
  );
}

/** Any two of the listed versions and the draft; by default the newest change (or the draft against the only version). */
function Compare({ versions, draft }: { versions: Version[]; draft: Record<string, unknown> }) {
  const [pick, setPick] = useState<{ from?: string; to?: string }>({});
  const configOf = (key: string) => (key === DRAFT ? { label: "Draft", config: draft } : { label: `Version ${key}`, config: versions.find((v) => String(v.version) === key)?.config });
  const from = pick.from ?? String(versions[1]?.version ?? versions[0]!.version);
  const to = pick.to ?? (versions[1] ? String(versions[0]!.version) : DRAFT);
  const options = [...versions.map((v) => ({ key: String(v.version), label: `Version ${v.version}` })), { key: DRAFT, label: "Draft (unpublished)" }];
  const select = (side: "from" | "to", value: string) => (
    <select id={`diff-${side}`} value={value} onChange={(e) => setPick({ from, to, [side]: (e.currentTarget as HTMLSelectElement).value })}>
      {options.map((o) => <option key={o.key} value={o.key}>{o.label}</option>)}
    </select>
  );
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title">Compare</h2>
      <div class="inline-form">
        <Field id="diff-from" label="From">{select("from", from)}</Field>
        <Field id="diff-to" label="To">{select("to", to)}</Field>
      </div>
      <ConfigDiff from={configOf(from)} to={configOf(to)} />
    </section>
  );
}

export function AgentVersions({ id, canWrite }: { id: string; canWrite: boolean }) {
  const agent = useLoad(() => api<AgentRow>("GET", `/agents/${encodeURIComponent(id)}`), [id]);
  const versions = usePagedList<Version>(`/agents/${encodeURIComponent(id)}/versions?limit=100`);
  const action = useAction();
  const changed = (what: string) => {
    agent.reload();
    versions.reload();
    return what;
  };
  const publish = () => action.run(async () => changed(`Published version ${(await api<{ version: number }>("POST", `/agents/${encodeURIComponent(id)}/publish`)).version}.`));
  const rollback = (version: number) =>
    action.run(async () => {
      await api("POST", `/agents/${encodeURIComponent(id)}/rollback`, { version });
      return changed(`Version ${version} is live again.`);
    });

  const columns: Column<Version>[] = [
    { header: "Version", cell: (v) => <>{v.version}{v.live && <span class="badge live">live</span>}</> },
    { header: "Published by", cell: (v) => v.published_by },
    { header: "Published", cell: (v) => formatDate(v.published_at) },
    { header: "Actions", hidden: true, cell: (v) => canWrite && !v.live && <button class="secondary" onClick={() => rollback(v.version)}>Roll back to version {v.version}</button> },
  ];

  return (
    <main id="main">
      <Loaded state={agent}>
        {(a) => (
          <PageHeader title={`${a.name}: versions`}>
            <p class="status" data-testid="live-version">{a.live_version ? `Live: version ${a.live_version}` : "Not published"}</p>
          </PageHeader>
        )}
      </Loaded>
      <p><a href={`/console/agents/${id}`}>Edit the draft</a></p>
      {canWrite && <button onClick={publish}>Publish the draft</button>}
      {action.outcome}
      <DataTable list={versions} caption="Published versions, newest first" columns={columns} rowKey={(v) => v.version} empty="No published versions yet: publish the draft to make it answer calls." />
      {versions.data && agent.data && versions.data.data.length > 0 && <Compare versions={versions.data.data} draft={agent.data.draft} />}
    </main>
  );
}
