import { api } from "../api.ts";
import { formatDate, formatMoney, formatSeconds, Loaded, PageHeader, useLoad } from "../ui.tsx";
import type { CallRow } from "./calls.tsx";
import { Waterfall, type Timings } from "./waterfall.tsx";

interface Turn {
  seq: number;
  role: "caller" | "agent" | "tool";
  text: string;
  interrupted: boolean;
  started_at: string;
  timings: Timings | null;
}
interface CallDetail extends CallRow {
  started_at: string | null;
  turns: Turn[];
  events: { type: string; at: string; data: unknown }[];
  cost: { currency: string; total_minor: number; estimated: boolean; lines: { component: string; model?: string; quantity: number; unit: string; amount_minor: number }[] } | null;
  analysis: { status?: string; summary?: string | null; success?: boolean | null; sentiment?: string | null; disposition?: string | null; structured_data?: unknown }[];
}

/** Seconds into the call, as the transcript's timestamps. */
const offset = (call: CallDetail, at: string) => {
  const zero = Date.parse(call.started_at ?? call.created_at);
  return formatSeconds(Math.max(0, (Date.parse(at) - zero) / 1000));
};

const json = (v: unknown) => JSON.stringify(v, null, 2);

export function CallPage({ id }: { id: string }) {
  const state = useLoad(() => api<CallDetail>("GET", `/calls/${encodeURIComponent(id)}`), [id]);
  return (
    <main id="main">
      <PageHeader title={`Call ${id}`} />
      <Loaded state={state}>
        {(call) => {
          const timed = call.turns.filter((t) => t.role === "agent" && t.timings && t.timings.first_audio_sent_ms != null);
          const tools = call.turns.filter((t) => t.role === "tool");
          return (
            <div class="call-page">
              <dl class="facts">
                <div><dt>Status</dt><dd>{call.status}{call.end_reason ? ` (${call.end_reason})` : ""}</dd></div>
                <div><dt>Direction</dt><dd>{call.direction}</dd></div>
                <div><dt>From → to</dt><dd>{call.from} → {call.to}</dd></div>
                <div><dt>Started</dt><dd>{formatDate(call.started_at ?? call.created_at)}</dd></div>
                <div><dt>Duration</dt><dd>{formatSeconds(call.duration_seconds)}</dd></div>
                <div><dt>Agent</dt><dd>{call.agent_id ? <a href={`/console/agents/${call.agent_id}`}>{call.agent_id}</a> : "—"}</dd></div>
              </dl>

              <section aria-labelledby="transcript-title">
                <h2 id="transcript-title">Transcript</h2>
                {call.turns.length === 0 ? (
                  <p class="empty">Nothing was said on this call.</p>
                ) : (
                  <ol class="transcript">
                    {call.turns.map((t) => (
                      <li key={t.seq} class={`turn ${t.role}${t.interrupted ? " interrupted" : ""}`}>
                        <time>{offset(call, t.started_at)}</time> <strong>{t.role}</strong>
                        {t.interrupted && <span class="badge" title="The caller barged in before the agent finished">interrupted</span>}
                        <p>{t.text}</p>
                      </li>
                    ))}
                  </ol>
                )}
              </section>

              <section aria-labelledby="latency-title">
                <h2 id="latency-title">Latency per turn</h2>
                {timed.length === 0 ? <p class="empty">No agent turn has timings.</p> : <Waterfall turns={timed.map((t) => ({ seq: t.seq, text: t.text, timings: t.timings! }))} />}
              </section>

              <section aria-labelledby="tools-title">
                <h2 id="tools-title">Tool calls</h2>
                {tools.length === 0 ? (
                  <p class="empty">No tools were called.</p>
                ) : (
                  <ol class="tool-calls">
                    {tools.map((t) => (
                      <li key={t.seq}>
                        <time>{offset(call, t.started_at)}</time>{" "}
                        {t.timings?.duration_ms != null && <span>{t.timings.duration_ms} ms{t.timings.ok === 0 ? ", failed" : ""}</span>}
                        <pre>{t.text}</pre>
                      </li>
                    ))}
                  </ol>
                )}
              </section>

              <section aria-labelledby="events-title">
                <h2 id="events-title">Events</h2>
                {call.events.length === 0 ? (
                  <p class="empty">No events recorded.</p>
                ) : (
                  <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
                    <table>
                      <caption class="sr-only">Call events</caption>
                      <thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col">Data</th></tr></thead>
                      <tbody>
                        {call.events.map((e, i) => (
                          <tr key={i}>
                            <td>{offset(call, e.at)}</td>
                            <td>{e.type}</td>
                            <td><code>{e.data == null ? "" : JSON.stringify(e.data)}</code></td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                )}
              </section>

              <section aria-labelledby="cost-title">
                <h2 id="cost-title">Cost</h2>
                {!call.cost ? (
                  <p class="empty">Not priced yet: the cost appears shortly after the call ends.</p>
                ) : (
                  <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
                    <table>
                      <caption class="sr-only">Cost breakdown</caption>
                      <thead><tr><th scope="col">Component</th><th scope="col">Quantity</th><th scope="col">Amount</th></tr></thead>
                      <tbody>
                        {call.cost.lines.map((l, i) => (
                          <tr key={i}>
                            <td>{l.component}{l.model ? ` (${l.model})` : ""}</td>
                            <td>{l.quantity} {l.unit}</td>
                            <td>{formatMoney(l.amount_minor, call.cost!.currency)}</td>
                          </tr>
                        ))}
                      </tbody>
                      <tfoot><tr><th scope="row" colSpan={2}>Total{call.cost.estimated ? " (partly estimated)" : ""}</th><td>{formatMoney(call.cost.total_minor, call.cost.currency)}</td></tr></tfoot>
                    </table>
                  </div>
                )}
              </section>

              <section aria-labelledby="analysis-title">
                <h2 id="analysis-title">Analysis</h2>
                {call.analysis.length === 0 ? (
                  <p class="empty">No analysis for this call.</p>
                ) : (
                  call.analysis.slice(0, 1).map((a, i) => (
                    <dl class="facts" key={i}>
                      <div><dt>Summary</dt><dd>{a.summary ?? "—"}</dd></div>
                      <div><dt>Success</dt><dd>{a.success == null ? "—" : a.success ? "yes" : "no"}</dd></div>
                      <div><dt>Sentiment</dt><dd>{a.sentiment ?? "—"}</dd></div>
                      <div><dt>Disposition</dt><dd>{a.disposition ?? "—"}</dd></div>
                      {a.structured_data != null && <div><dt>Data</dt><dd><pre>{json(a.structured_data)}</pre></dd></div>}
                    </dl>
                  ))
                )}
              </section>
            </div>
          );
        }}
      </Loaded>
    </main>
  );
}
