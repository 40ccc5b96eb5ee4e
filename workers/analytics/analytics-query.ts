import { z } from "@hono/zod-openapi";
import type { LatencyStage } from "../../shared/pg/schema.ts";

/**
 * Sums over call_facts or its hourly rollups, which share these column names (`calls` is 1 per fact row, the number
 * of calls per rollup row; `judged_calls` and `succeeded_calls` likewise). Minutes are the billed duration.
 */
export const CALL_MEASURES = {
  count: "sum(c.calls)::int",
  minutes: "round(coalesce(sum(c.duration_s), 0) / 60.0, 2)::float8",
  cost: "coalesce(sum(c.cost_minor), 0)::float8",
  turns: "coalesce(sum(c.turns), 0)::float8",
  interruptions: "coalesce(sum(c.interruptions), 0)::float8",
  tool_calls: "coalesce(sum(c.tool_calls), 0)::float8",
  provider_failures: "coalesce(sum(c.provider_failures), 0)::float8",
  // Of the calls whose latest analysis gave a success verdict; null when none did.
  success_rate: "round(sum(c.succeeded_calls)::numeric / nullif(sum(c.judged_calls), 0), 4)::float8",
} as const;

/** Latency spans of agent turns (turn_facts columns), each measured at these percentiles. */
export const LATENCY_STAGES = {
  v2v: "voice_to_voice_ms",
  stt: "stt_ms",
  llm_ttft: "llm_ttft_ms",
  tts_ttfb: "tts_ttfb_ms",
  overhead: "platform_overhead_ms",
} as const satisfies Record<LatencyStage, string>;
export const PERCENTILES = { p50: 0.5, p90: 0.9, p99: 0.99 } as const;

export type CallMeasure = keyof typeof CALL_MEASURES;
export type LatencyMeasure = `${keyof typeof LATENCY_STAGES}_${keyof typeof PERCENTILES}`;
export type Measure = CallMeasure | LatencyMeasure;

const LATENCY_MEASURES = Object.keys(LATENCY_STAGES).flatMap((stage) => Object.keys(PERCENTILES).map((p) => `${stage}_${p}`)) as LatencyMeasure[];
export const MEASURES = [...(Object.keys(CALL_MEASURES) as CallMeasure[]), ...LATENCY_MEASURES] as const;
export const isLatencyMeasure = (m: Measure): m is LatencyMeasure => (LATENCY_MEASURES as string[]).includes(m);

/** What a breakdown groups by, and the call_facts columns that name a group. */
export const GROUPINGS = {
  agent: ["agent_id"],
  agent_version: ["agent_id", "agent_version"],
  number: ["number"],
  direction: ["direction"],
  end_reason: ["end_reason"],
} as const;
export type Grouping = keyof typeof GROUPINGS;

export const INTERVALS = ["hour", "day", "week"] as const;
export type Interval = (typeof INTERVALS)[number];
const INTERVAL_MS: Record<Interval, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

/** The longest range one query may cover, and the most buckets it may return (a DST day is 23 or 25 hours: ± 1). */
export const MAX_RANGE_DAYS = 400;
export const MAX_BUCKETS = 1_000;

const Timestamp = z.iso.datetime({ offset: true, error: "an ISO 8601 date-time with a time zone, e.g. 2026-05-01T14:30:00Z" });

const measureList = z
  .string()
  .default("count,minutes,cost")
  .transform((s) => s.split(",").map((m) => m.trim()).filter((m) => m !== ""))
  .pipe(z.array(z.enum(MEASURES, { error: (issue) => `unknown measure ${JSON.stringify(issue.input)}; one of ${MEASURES.join(", ")}` })).min(1, "name at least one measure"));

export const AnalyticsQuery = z
  .object({
    from: Timestamp.openapi({ description: "Calls that started at or after this instant." }),
    to: Timestamp.openapi({ description: "Calls that started before this instant." }),
    interval: z.enum(INTERVALS).optional().openapi({ description: "Time buckets in the account's time zone (weeks start on Monday); omitted: one total for the range." }),
    group_by: z.enum(Object.keys(GROUPINGS) as [Grouping, ...Grouping[]]).optional().openapi({ description: "A breakdown: one row per group (and bucket)." }),
    measures: measureList.openapi({
      type: "string",
      description: `Comma-separated, default \`count,minutes,cost\`. One of: ${MEASURES.map((m) => `\`${m}\``).join(", ")}.`,
      example: "count,minutes,cost,v2v_p50,v2v_p90,v2v_p99",
    }),
  })
  .superRefine((q, ctx) => {
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(to > from)) return ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    if (to - from > MAX_RANGE_DAYS * 86_400_000) ctx.addIssue({ code: "custom", path: ["to"], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
    else if (q.interval && Math.ceil((to - from) / INTERVAL_MS[q.interval]) + 1 > MAX_BUCKETS) {
      ctx.addIssue({ code: "custom", path: ["interval"], message: `the range holds more than ${MAX_BUCKETS} ${q.interval} buckets; use a longer interval or a shorter range` });
    }
  });
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;
