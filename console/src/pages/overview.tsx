import { api, type Page } from "../api.ts";
import { LineChart } from "../chart.tsx";
import { formatMoney, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { CallTable, type CallRow } from "./calls.tsx";

interface AnalyticsRow {
  start?: string | null;
  end_reason?: string | null;
  [measure: string]: number | string | null | undefined;
}
interface Analytics {
  currency: string | null;
  rows: AnalyticsRow[];
}

/**
 * End reasons that mean the call did not do its job (the platform or a provider failed, nobody answered); every
 * other ending (either side hanging up, a transfer, a voicemail left) counts as a success.
 */
const FAILED_ENDINGS = /fail|error|unreachable|unconfirmed|timeout|no_answer|busy|rejected|canceled/;
const DAY_MS = 86_400_000;

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function loadOverview() {
  const now = new Date();
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const month = new Date(now.getFullYear(), now.getMonth(), 1);
  const to = new Date(now.getTime() + 60_000).toISOString();
  const fortnight = new Date(today.getTime() - 13 * DAY_MS).toISOString();
  const [day, mon, latency, endings, live] = await Promise.all([
    api<Analytics>("GET", `/analytics/calls?${query({ from: today.toISOString(), to })}`),
    api<Analytics>("GET", `/analytics/calls?${query({ from: month.toISOString(), to })}`),
    api<Analytics>("GET", `/analytics/calls?${query({ from: fortnight, to, interval: "day", measures: "v2v_p50,v2v_p90" })}`),
    api<Analytics>("GET", `/analytics/calls?${query({ from: fortnight, to, interval: "day", group_by: "end_reason", measures: "count" })}`),
    api<Page<CallRow>>("GET", `/calls?status=in-progress&limit=20`),
  ]);
  const days = Array.from({ length: 14 }, (_, i) => (today.getTime() - (13 - i) * DAY_MS) / 1000);
  const dayIndex = (start: string | null | undefined) => (start ? Math.round((Date.parse(start) / 1000 - days[0]!) / 86_400) : -1);
  const p50 = days.map(() => null as number | null);
  const p90 = days.map(() => null as number | null);
  for (const r of latency.rows) {
    const i = dayIndex(r.start);
    if (i >= 0 && i < 14) [p50[i], p90[i]] = [r.v2v_p50 as number | null, r.v2v_p90 as number | null];
  }
  const total = days.map(() => 0);
  const ok = days.map(() => 0);
  for (const r of endings.rows) {
    const i = dayIndex(r.start);
    if (i < 0 || i >= 14) continue;
    total[i]! += Number(r.count);
    if (!FAILED_ENDINGS.test(r.end_reason ?? "")) ok[i]! += Number(r.count);
  }
  const success = total.map((n, i) => (n ? (100 * ok[i]!) / n : null));
  return { currency: day.currency ?? mon.currency, today: day.rows[0], month: mon.rows[0], days, p50, p90, success, live: live.data };
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

const describe = (values: (number | null)[], unit: string) => {
  const known = values.filter((v): v is number => v != null);
  return known.length === 0 ? "no calls in the last 14 days" : `latest ${Math.round(known.at(-1)!)} ${unit}, ${known.length} days with calls`;
};

export function Overview() {
  const state = useLoad(loadOverview, []);
  return (
    <main id="main">
      <PageHeader title="Overview" />
      <Loaded state={state}>
        {(o) => (
          <>
            <section aria-labelledby="totals" class="totals">
              <h2 id="totals" class="sr-only">Totals</h2>
              {(
                [
                  ["Today", o.today],
                  ["This month", o.month],
                ] as const
              ).map(([label, row]) => (
                <div class="stat-group" key={label}>
                  <h3>{label}</h3>
                  <dl>
                    <Stat label="Calls" value={String(row?.count ?? 0)} />
                    <Stat label="Minutes" value={String(row?.minutes ?? 0)} />
                    <Stat label="Cost" value={formatMoney(Number(row?.cost ?? 0), o.currency)} />
                  </dl>
                </div>
              ))}
            </section>
            <section class="charts" aria-label="Last 14 days">
              <LineChart title="Success rate (%)" days={o.days} range={[0, 100]} series={[{ label: "success", values: o.success, color: "#1a7f37", unit: "%" }]} summary={describe(o.success, "%")} />
              <LineChart
                title="Voice-to-voice latency (ms)"
                days={o.days}
                series={[
                  { label: "p50", values: o.p50, color: "#0b5cad", unit: "ms" },
                  { label: "p90", values: o.p90, color: "#b35900", unit: "ms" },
                ]}
                summary={`p50 ${describe(o.p50, "ms")}; p90 ${describe(o.p90, "ms")}`}
              />
            </section>
            <section aria-labelledby="live-title">
              <h2 id="live-title">Live now</h2>
              {o.live.length === 0 ? <p class="empty">No calls in progress.</p> : <CallTable calls={o.live} href={(c) => `/console/live/${c.id}`} caption="Calls in progress" />}
            </section>
          </>
        )}
      </Loaded>
    </main>
  );
}
