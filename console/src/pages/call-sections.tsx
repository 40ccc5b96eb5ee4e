import { formatMoney } from "../ui.tsx";
import { callTime, parseToolTurn, type CallClock, type TranscriptTurn } from "./transcript.tsx";

/** The call page's sections below the transcript: each shows what the call detail holds, or says it has nothing. */
export interface CallEvent {
  type: string;
  at: string;
  data: unknown;
}
export interface CallCost {
  currency: string;
  total_minor: number;
  estimated: boolean;
  lines: { component: string; model?: string; quantity: number; unit: string; amount_minor: number }[];
}
export interface CallAnalysis {
  status?: string;
  summary?: string | null;
  success?: boolean | null;
  sentiment?: string | null;
  disposition?: string | null;
  structured_data?: unknown;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);


export function ToolCalls({ turns, clock }: { turns: (TranscriptTurn & { timings: Record<string, number> | null })[]; clock: CallClock }) {
  const tools = turns.filter((t) => t.role === "tool");
  return (
    <section aria-labelledby="tools-title">
      <h2 id="tools-title">Tool calls</h2>
      {tools.length === 0 ? (
        <p class="empty">No tools were called.</p>
      ) : (
        <ol class="tool-calls">
          {tools.map((t) => {
            const tool = parseToolTurn(t.text);
            return (
              <li key={t.seq} data-seq={t.seq}>
                <p class="tool-head">
                  <time>{callTime(clock, t.started_at)}</time> <strong>{tool?.name ?? "tool"}</strong>
                  {t.timings?.duration_ms != null && <span> · {t.timings.duration_ms} ms</span>}
                  {tool?.result && <span class={tool.result.status === "success" ? "notice" : "field-error"}> · {tool.result.status}</span>}
                </p>
                {tool ? (
                  <dl class="tool-io">
                    <dt>Arguments</dt>
                    <dd><pre>{json(tool.input)}</pre></dd>
                    <dt>Result</dt>
                    <dd>{tool.result ? <pre>{typeof tool.result.content === "string" ? tool.result.content : json(tool.result.content)}</pre> : <span class="hint">No result: the turn ended before the tool answered.</span>}</dd>
                  </dl>
                ) : (
                  <pre>{t.text}</pre>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

export function CallEvents({ events, clock }: { events: CallEvent[]; clock: CallClock }) {
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      {events.length === 0 ? (
        <p class="empty">No events recorded.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
          <table>
            <caption class="sr-only">Call events</caption>
            <thead><tr><th scope="col">At</th><th scope="col">Event</th><th scope="col">Data</th></tr></thead>
            <tbody>
              {events.map((e, i) => (
                <tr key={i}>
                  <td>{callTime(clock, e.at)}</td>
                  <td>{e.type}</td>
                  <td><code>{e.data == null ? "" : JSON.stringify(e.data)}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function CostBreakdown({ cost }: { cost: CallCost | null }) {
  return (
    <section aria-labelledby="cost-title">
      <h2 id="cost-title">Cost</h2>
      {!cost ? (
        <p class="empty">Not priced yet: the cost appears shortly after the call ends.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Table (scrolls sideways on small screens)">
          <table>
            <caption class="sr-only">Cost breakdown</caption>
            <thead><tr><th scope="col">Component</th><th scope="col">Quantity</th><th scope="col">Amount</th></tr></thead>
            <tbody>
              {cost.lines.map((l, i) => (
                <tr key={i}>
                  <td>{l.component}{l.model ? ` (${l.model})` : ""}</td>
                  <td>{l.quantity} {l.unit}</td>
                  <td>{formatMoney(l.amount_minor, cost.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot><tr><th scope="row" colSpan={2}>Total{cost.estimated ? " (partly estimated)" : ""}</th><td>{formatMoney(cost.total_minor, cost.currency)}</td></tr></tfoot>
          </table>
        </div>
      )}
    </section>
  );
}

export function Analysis({ analysis }: { analysis: CallAnalysis[] }) {
  return (
    <section aria-labelledby="analysis-title">
      <h2 id="analysis-title">Analysis</h2>
      {analysis.length === 0 ? (
        <p class="empty">No analysis for this call.</p>
      ) : (
        analysis.slice(0, 1).map((a, i) => (
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
  );
}
