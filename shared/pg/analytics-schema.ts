/** The Postgres tier's analytics tables: call and turn facts, and their hourly rollups. */
import { bigint, boolean, check, foreignKey, index, integer, pgTable, primaryKey, text, timestamp, unique } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { oneOf } from "./columns.ts";
import { CURRENCIES } from "./billing-schema.ts";

// ---- Analytics (call facts) ----

/**
 * One row per finished call, written once from its usage message (workers/analytics/call-facts.ts) after the call is
 * settled: the first delivery's row stands, a redelivery changes nothing. `number` is the account's own number on the
 * call (the dialled one inbound, the caller id outbound); the cost is the settled charge (null without a billing side);
 * `turns` counts every transcript row (caller, agent and tool), `tool_calls` the tool rows among them.
 */
export const callFacts = pgTable(
  "call_facts",
  {
    accountId: text("account_id").notNull(),
    callId: text("call_id").notNull(),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    number: text("number").notNull(),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true }).notNull(),
    durationS: integer("duration_s"),
    endReason: text("end_reason"),
    costMinor: bigint("cost_minor", { mode: "number" }),
    currency: text("currency", { enum: CURRENCIES }),
    turns: integer("turns").notNull(),
    interruptions: integer("interruptions").notNull(),
    toolCalls: integer("tool_calls").notNull(),
    providerFailures: integer("provider_failures").notNull(),
    /**
     * The success verdict of the call's latest post-call analysis (null: none yet, or no verdict: a descriptive rubric,
     * no rubric, a failed or skipped analysis), and that analysis's version: set after the facts, by the verdict
     * message the analysis consumer puts on the facts' queue (workers/analytics/call-verdicts.ts).
     */
    succeeded: boolean("succeeded"),
    analysisVersion: integer("analysis_version"),
    recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.callId] }), index("call_facts_account_started").on(t.accountId, t.startedAt)],
);

/**
 * One row per turn of a call in call_facts, with its latency spans in ms (null where the turn has none).
 * `turn_facts_agent_latency` covers what the raw-row percentiles read of agent turns (workers/analytics/
 * report-queries.ts), so a short range's join is an index-only scan per call instead of a heap lookup per turn.
 */
export const turnFacts = pgTable(
  "turn_facts",
  {
    accountId: text("account_id").notNull(),
    callId: text("call_id").notNull(),
    turn: integer("turn").notNull(),
    role: text("role", { enum: ["caller", "agent", "tool", "system"] }).notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    interrupted: boolean("interrupted").notNull(),
    voiceToVoiceMs: integer("voice_to_voice_ms"),
    sttMs: integer("stt_ms"),
    llmTtftMs: integer("llm_ttft_ms"),
    ttsTtfbMs: integer("tts_ttfb_ms"),
    platformOverheadMs: integer("platform_overhead_ms"),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.callId, t.turn] }),
    foreignKey({ name: "turn_facts_call_fk", columns: [t.accountId, t.callId], foreignColumns: [callFacts.accountId, callFacts.callId] }).onDelete("cascade"),
    index("turn_facts_agent_latency")
      .on(t.accountId, t.callId, t.voiceToVoiceMs, t.sttMs, t.llmTtftMs, t.ttsTtfbMs, t.platformOverheadMs)
      .where(sql`${t.role} = 'agent'`),
  ],
);

// ---- Analytics rollups (hourly, maintained with call_facts) ----

/**
 * What an hourly rollup row is summed over: every call of the hour (`all`), or one value of one breakdown (the
 * columns of the others are null). One grain per breakdown keeps a month of one grain to hundreds of rows per value,
 * where a rollup keyed on every dimension at once would hold nearly a row per call.
 */
export const ROLLUP_GRAINS = ["all", "agent", "agent_version", "number", "direction", "end_reason"] as const;
export type RollupGrain = (typeof ROLLUP_GRAINS)[number];
/** The latency spans whose histograms are rolled up (workers/analytics/analytics-query.ts maps each to its turn_facts column). */
export const LATENCY_STAGE_NAMES = ["v2v", "stt", "llm_ttft", "tts_ttfb", "overhead"] as const;
export type LatencyStage = (typeof LATENCY_STAGE_NAMES)[number];

const rollupKey = {
  accountId: text("account_id").notNull(),
  grain: text("grain", { enum: ROLLUP_GRAINS }).notNull(),
  /** The UTC hour the calls started in (the turns count in their call's hour). */
  hour: timestamp("hour", { withTimezone: true }).notNull(),
  agentId: text("agent_id"),
  agentVersion: integer("agent_version"),
  number: text("number"),
  direction: text("direction"),
  endReason: text("end_reason"),
};

/** What a rollup row sums, hourly or daily. */
const rollupMeasures = {
  calls: integer("calls").notNull(),
  durationS: bigint("duration_s", { mode: "number" }).notNull(),
  costMinor: bigint("cost_minor", { mode: "number" }).notNull(),
  turns: bigint("turns", { mode: "number" }).notNull(),
  interruptions: bigint("interruptions", { mode: "number" }).notNull(),
  toolCalls: bigint("tool_calls", { mode: "number" }).notNull(),
  providerFailures: bigint("provider_failures", { mode: "number" }).notNull(),
  /** Calls with a success verdict (call_facts.succeeded not null), and those of them that succeeded: `success_rate`. */
  judgedCalls: integer("judged_calls").notNull().default(0),
  succeededCalls: integer("succeeded_calls").notNull().default(0),
  // Per stage, the non-empty buckets in ascending order and their counts (two arrays unnest together).
  v2vBuckets: integer("v2v_buckets").array().notNull(),
  v2vCounts: integer("v2v_counts").array().notNull(),
  sttBuckets: integer("stt_buckets").array().notNull(),
  sttCounts: integer("stt_counts").array().notNull(),
  llmTtftBuckets: integer("llm_ttft_buckets").array().notNull(),
  llmTtftCounts: integer("llm_ttft_counts").array().notNull(),
  ttsTtfbBuckets: integer("tts_ttfb_buckets").array().notNull(),
  ttsTtfbCounts: integer("tts_ttfb_counts").array().notNull(),
  overheadBuckets: integer("overhead_buckets").array().notNull(),
  overheadCounts: integer("overhead_counts").array().notNull(),
};

/**
 * call_facts summed per account, hour and grain, with the mergeable latency histograms of their agent turns: per
 * stage, how many spans fell in each log-scale bucket (`<stage>_buckets`, `<stage>_counts`; workers/analytics/
 * latency-histogram.ts has the bucket formula and its 2 % bound). Arrays, not jsonb: a report unnests thousands of
 * buckets, and jsonb's per-key expansion cost several times more (bench/README.md, section 9). Merging is adding counts per bucket, so any hours
 * and groups merge exactly. Added to in the transaction that records a call's facts (workers/analytics/rollups.ts),
 * so a redelivery, which records nothing, adds nothing. NULLS NOT DISTINCT: a null end reason is a group of its own,
 * and the other grains' columns are null. The key's prefix (account, grain, hour) is what every report reads by.
 */
export const callRollups = pgTable(
  "call_rollups_hourly",
  {
    ...rollupKey,
    ...rollupMeasures,
  },
  (t) => [
    unique("call_rollups_hourly_key").on(t.accountId, t.grain, t.hour, t.agentId, t.agentVersion, t.number, t.direction, t.endReason).nullsNotDistinct(),
    check("call_rollups_hourly_grain", oneOf("grain", ROLLUP_GRAINS)),
  ],
);

/**
 * The same sums and histograms per account, grain and local day of the account's time zone (`day`: the instant the
 * day starts; 23 or 25 hours across a daylight-saving change). A day is only a day in one zone, so `time_zone` is part
 * of the key: rows are written in the zone the account has when its call is recorded, and a report reads them only
 * where every day row of its range is in the account's present zone (otherwise it falls back to the hourly rollups;
 * workers/analytics/analytics-report.ts). Maintained in the same transactions as the hourly rows; a zone change
 * rebuilds the account's rows from its facts (workers/analytics/daily-rollups-rebuild.ts).
 */
export const callRollupsDaily = pgTable(
  "call_rollups_daily",
  {
    accountId: rollupKey.accountId,
    grain: rollupKey.grain,
    day: timestamp("day", { withTimezone: true }).notNull(),
    timeZone: text("time_zone").notNull(),
    agentId: rollupKey.agentId,
    agentVersion: rollupKey.agentVersion,
    number: rollupKey.number,
    direction: rollupKey.direction,
    endReason: rollupKey.endReason,
    ...rollupMeasures,
  },
  (t) => [
    unique("call_rollups_daily_key").on(t.accountId, t.grain, t.day, t.timeZone, t.agentId, t.agentVersion, t.number, t.direction, t.endReason).nullsNotDistinct(),
    check("call_rollups_daily_grain", oneOf("grain", ROLLUP_GRAINS)),
  ],
);
