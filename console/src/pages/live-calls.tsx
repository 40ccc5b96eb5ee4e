import { useEffect, useState } from "preact/hooks";
import { api, type Page } from "../api.ts";
import { useLiveTranscript } from "../live-transcript.ts";
import { formatDate, Loaded, PageHeader, ProblemMessage, useLoad } from "../ui.tsx";
import { LIVE_STATUSES } from "./call-detail.tsx";
import { CallTable, type CallRow } from "./calls.tsx";
import { SupervisorControls } from "./supervisor-controls.tsx";
import { Transcript } from "./transcript.tsx";
import "./call-pages.css";

/** How often the list of live calls is read again: calls start and end without the page being told. */
const REFRESH_MS = 3_000;

/** Every call in a live state, newest first (the API filters one status at a time). */
async function loadLiveCalls(): Promise<CallRow[]> {
  const pages = await Promise.all(LIVE_STATUSES.map((s) => api<Page<CallRow>>("GET", `/calls?status=${s}&limit=50`)));
  return pages.flatMap((p) => p.data).sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** Reads again every REFRESH_MS after the last answer, keeping the last list on screen meanwhile. */
function usePolled<T>(load: () => Promise<T>): { data?: T; error?: unknown } {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () =>
      load()
        .then((data) => live && setState({ data }), (error) => live && setState({ error }))
        .finally(() => live && (timer = setTimeout(tick, REFRESH_MS)));
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return state;
}

export function LiveCalls() {
  const state = usePolled(loadLiveCalls);
  return (
    <main id="main">
      <PageHeader title="Live calls" />
      <p class="hint">Calls in progress right now; this list refreshes every few seconds.</p>
      <Loaded state={state} empty={(calls) => (calls.length === 0 ? "No calls in progress." : null)}>
        {(calls) => <CallTable calls={calls} href={(c) => `/console/live/${c.id}`} caption="Calls in progress" />}
      </Loaded>
    </main>
  );
}

export function LiveCallPage({ id, canControl }: { id: string; canControl: boolean }) {
  const call = useLoad(() => api<CallRow & { started_at: string | null }>("GET", `/calls/${encodeURIComponent(id)}`), [id]);
  const live = useLiveTranscript(id);
  const startMs = call.data ? Date.parse(call.data.started_at ?? call.data.created_at) : live.turns[0] ? Date.parse(live.turns[0].started_at) : Date.now();
  return (
    <main id="main">
      <PageHeader title={`Live call ${id}`} />
      <Loaded state={call}>
        {(c) => (
          <dl class="facts">
            <div><dt>Direction</dt><dd>{c.direction}</dd></div>
            <div><dt>From → to</dt><dd>{c.from} → {c.to}</dd></div>
            <div><dt>Started</dt><dd>{formatDate(c.started_at ?? c.created_at)}</dd></div>
            <div><dt>Agent</dt><dd>{c.agent_id ? <a href={`/console/agents/${c.agent_id}`}>{c.agent_id}</a> : "—"}</dd></div>
          </dl>
        )}
      </Loaded>
      <p class="live-status" role="status" data-testid="live-status">
        {live.ended ? (
          <>
            The call has ended{live.ended.status !== "ended" ? ` (${live.ended.status}${live.ended.end_reason ? `, ${live.ended.end_reason}` : ""})` : ""}.{" "}
            <a href={`/console/calls/${id}`}>Open the call's page</a> for its recording, timings and cost.
          </>
        ) : live.connected ? (
          <><span class="live-dot" aria-hidden="true" /> Live: turns appear as they finish.</>
        ) : (
          "Connecting to the call…"
        )}
      </p>
      <ProblemMessage error={live.error} />
      {canControl && !live.ended && <SupervisorControls callId={id} />}
      <section aria-labelledby="live-transcript-title">
        <h2 id="live-transcript-title">Transcript</h2>
        <div aria-live="polite" data-testid="live-transcript">
          {live.turns.length === 0 ? <p class="empty">Nothing has been said yet.</p> : <Transcript turns={live.turns} clock={{ startMs, speed: 1 }} />}
        </div>
      </section>
    </main>
  );
}
