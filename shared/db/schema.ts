import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { AnalysisCost, CallQuality } from "../analysis/call-quality.ts";

// Timestamps are ISO-8601 UTC strings: they sort lexically, read well in the API and in `wrangler d1 execute`.
const createdAt = () => text("created_at").notNull();

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  status: text("status", { enum: ["active", "suspended", "closed"] }).notNull().default("active"),
  region: text("region", { enum: ["us", "eu"] }).notNull().default("us"),
  maxConcurrentCalls: integer("max_concurrent_calls").notNull().default(10),
  createdAt: createdAt(),
  /** Slots campaign dials leave free for inbound calls (below max_concurrent_calls); added after created_at. */
  reservedInbound: integer("reserved_inbound").notNull().default(0),
  /**
   * Whether the trial gates apply (workers/compliance/verification): `approved` once the business verification case
   * is approved, `trial` before that and while a sanctions rescreen reopens it. Accounts older than verification are
   * approved (the column's default); the case itself lives in Postgres.
   */
  verification: text("verification", { enum: ["trial", "approved"] }).notNull().default("approved"),
  /** The call minutes an account may use while on trial (shared/compliance/trial-gates.ts); set by the operator. */
  trialMinutes: integer("trial_minutes").notNull().default(60),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    email: text("email").notNull(),
    name: text("name"),
    role: text("role", { enum: ["owner", "admin", "developer", "viewer"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_account_email").on(t.accountId, t.email)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    // The first characters of the key, shown in listings so a key can be recognised.
    prefix: text("prefix").notNull(),
    // SHA-256 of the whole key: the key itself is shown once and never stored.
    hash: text("hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_account").on(t.accountId, t.createdAt)],
);

export const providerCredentials = sqliteTable(
  "provider_credentials",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    provider: text("provider", { enum: ["twilio"] }).notNull(),
    // Twilio Account SID: public, and the key Twilio's webhooks identify the account by.
    externalId: text("external_id").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    secretKeyId: text("secret_key_id").notNull(),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.provider] }), index("provider_credentials_external").on(t.provider, t.externalId)],
);

export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    name: text("name").notNull(),
    status: text("status", { enum: ["active", "archived"] }).notNull().default("active"),
    // The editable draft; publishing freezes a copy of it as the next version.
    draft: text("draft", { mode: "json" }).notNull(),
    liveVersion: integer("live_version"),
    latestVersion: integer("latest_version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("agents_account").on(t.accountId, t.createdAt)],
);

export const agentVersions = sqliteTable(
  "agent_versions",
  {
    agentId: text("agent_id").notNull().references(() => agents.id),
    version: integer("version").notNull(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    config: text("config", { mode: "json" }).notNull(),
    publishedBy: text("published_by").notNull(),
    publishedAt: text("published_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.version] })],
);

export const phoneNumbers = sqliteTable(
  "phone_numbers",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    e164: text("e164").notNull(),
    source: text("source", { enum: ["twilio", "sip"] }).notNull(),
    agentId: text("agent_id").references(() => agents.id),
    status: text("status", { enum: ["active", "released"] }).notNull().default("active"),
    providerSid: text("provider_sid"),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    // A number routes to one account at a time; released rows are kept for history.
    uniqueIndex("phone_numbers_active_e164").on(t.e164).where(sql`status = 'active'`),
    index("phone_numbers_account").on(t.accountId, t.createdAt),
  ],
);

export const calls = sqliteTable(
  "calls",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    agentId: text("agent_id").notNull(),
    agentVersion: integer("agent_version").notNull(),
    direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
    fromNumber: text("from_number").notNull(),
    toNumber: text("to_number").notNull(),
    twilioCallSid: text("twilio_call_sid"),
    status: text("status", {
      enum: ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"],
    }).notNull(),
    createdAt: createdAt(),
    startedAt: text("started_at"),
    answeredAt: text("answered_at"),
    endedAt: text("ended_at"),
    durationSeconds: integer("duration_seconds"),
    endReason: text("end_reason"),
    answeredBy: text("answered_by"),
    recordingSid: text("recording_sid"),
    recordingStatus: text("recording_status"),
    metrics: text("metrics", { mode: "json" }),
    usage: text("usage", { mode: "json" }),
    // From Twilio's recording status callback (RecordingDuration); priced as recording minutes.
    recordingDurationSeconds: integer("recording_duration_seconds"),
    // The settled cost (workers/billing/settlement.ts), copied from the Postgres tier so the call answers it while
    // that tier is down; null until priced.
    cost: text("cost", { mode: "json" }),
  },
  (t) => [
    index("calls_account_created").on(t.accountId, t.createdAt, t.id),
    index("calls_twilio_sid").on(t.twilioCallSid),
  ],
);

export const callTurns = sqliteTable(
  "call_turns",
  {
    callId: text("call_id").notNull().references(() => calls.id),
    seq: integer("seq").notNull(),
    accountId: text("account_id").notNull(),
    role: text("role", { enum: ["caller", "agent", "tool", "system"] }).notNull(),
    text: text("text").notNull(),
    interrupted: integer("interrupted", { mode: "boolean" }).notNull().default(false),
    startedAt: text("started_at").notNull(),
    endedAt: text("ended_at"),
    // Per-turn latency marks in ms relative to the end of caller speech, plus the derived totals.
    timings: text("timings", { mode: "json" }),
    voiceToVoiceMs: integer("voice_to_voice_ms"),
    platformOverheadMs: integer("platform_overhead_ms"),
  },
  (t) => [primaryKey({ columns: [t.callId, t.seq] })],
);

export const callEvents = sqliteTable(
  "call_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    callId: text("call_id").notNull(),
    accountId: text("account_id").notNull(),
    type: text("type").notNull(),
    at: text("at").notNull(),
    data: text("data", { mode: "json" }),
  },
  (t) => [index("call_events_call").on(t.callId, t.id)],
);

export const consentRecords = sqliteTable(
  "consent_records",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    phone: text("phone").notNull(),
    // `self_test`: a console user's test call to their own verified number (workers/console/user-phone-routes.ts).
    consentType: text("consent_type", { enum: ["outbound_calls", "marketing", "recording", "self_test"] }).notNull(),
    status: text("status", { enum: ["opted_in", "opted_out"] }).notNull(),
    source: text("source").notNull(),
    capturedAt: text("captured_at").notNull(),
    expiresAt: text("expires_at"),
    createdAt: createdAt(),
  },
  // The newest record for (account, phone, type) is the one in force; older ones are the history.
  (t) => [index("consent_lookup").on(t.accountId, t.phone, t.consentType, t.capturedAt)],
);

export const doNotCall = sqliteTable(
  "do_not_call",
  {
    accountId: text("account_id").notNull().references(() => accounts.id),
    phone: text("phone").notNull(),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.phone] })],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    accountId: text("account_id").notNull(),
    // Position in the account's chain; the unique key makes two concurrent appends collide instead of forking.
    seq: integer("seq").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    resource: text("resource"),
    requestId: text("request_id"),
    ip: text("ip"),
    at: text("at").notNull(),
    detail: text("detail", { mode: "json" }),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
    // The audit_pending row this entry chained (null for entries chained before pending rows existed); not hashed.
    entryId: integer("entry_id"),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.seq] }), uniqueIndex("audit_log_entry").on(t.accountId, t.entryId)],
);

/**
 * Audit entries written but not yet chained. Every write inserts its entry here in its own D1 batch, so the
 * write and its entry commit together; the account's AuditChainer object then moves entries, in id order, into
 * audit_log with their seq and hashes, and deletes them here in the same batch. Triggers (migrations/0006) refuse
 * any UPDATE, and any DELETE of an entry that audit_log does not hold yet.
 */
export const auditPending = sqliteTable(
  "audit_pending",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: text("account_id").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    resource: text("resource"),
    requestId: text("request_id"),
    ip: text("ip"),
    at: text("at").notNull(),
    detail: text("detail", { mode: "json" }),
  },
  (t) => [index("audit_pending_account").on(t.accountId, t.id)],
);

/**
 * The newest entry of each account's audit chain. Kept by triggers (migrations/0004), never by the app: every
 * insert into audit_log moves it forward, and nothing may move it back or delete it. Verification compares the
 * chain's last entry with it, so removing the newest entries shows.
 */
export const auditHeads = sqliteTable("audit_heads", {
  accountId: text("account_id").primaryKey(),
  seq: integer("seq").notNull(),
  hash: text("hash").notNull(),
});

export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    accountId: text("account_id").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    // Null while the first request is still running.
    status: integer("status"),
    responseBody: text("response_body"),
    responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
    createdAt: createdAt(),
    // The actor (`key:…`, `user:…`, `operator`) that sent the first request: only it gets the replay.
    principal: text("principal").notNull().default(""),
    // The response carried a secret (a key, a token): its body was shown once and is not kept.
    secretWithheld: integer("secret_withheld", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] }), index("idempotency_keys_created_at").on(t.createdAt)],
);

/** Rejected webhooks and streams (forged signatures, bad stream tokens): kept for the operator, per account when known. */
export const securityEvents = sqliteTable(
  "security_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: text("at").notNull(),
    kind: text("kind").notNull(),
    accountId: text("account_id"),
    ip: text("ip"),
    path: text("path").notNull(),
    detail: text("detail", { mode: "json" }),
  },
  (t) => [index("security_events_at").on(t.at)],
);

/**
 * Rejections per kind, source (client address) and minute. Every rejection counts here; only the first few of a
 * minute also get a `security_events` row, so a flood of forged requests cannot become a flood of rows.
 */
export const securityEventCounts = sqliteTable(
  "security_event_counts",
  {
    kind: text("kind").notNull(),
    source: text("source").notNull(),
    // The minute, as an ISO-8601 prefix: `2026-12-06T16:21`.
    minute: text("minute").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.source, t.minute] })],
);

/** One row per finished call, written by the usage-queue consumer (idempotent on the event id). */
export const usageEvents = sqliteTable(
  "usage_events",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    callId: text("call_id").notNull(),
    endedAt: text("ended_at").notNull(),
    durationSeconds: integer("duration_seconds"),
    usage: text("usage", { mode: "json" }).notNull(),
    receivedAt: text("received_at").notNull(),
  },
  (t) => [index("usage_events_account").on(t.accountId, t.endedAt)],
);

/**
 * Prepaid balances of the retired `accounts.credit_cents` model (USD cents), waiting to become `opening_balance`
 * postings in the ledger (workers/billing/legacy-credit-migration.ts deletes each row once posted).
 */
export const legacyCreditBalances = sqliteTable("legacy_credit_balances", {
  accountId: text("account_id").primaryKey(),
  creditCents: integer("credit_cents").notNull(),
});

/**
 * Queue messages that exhausted their retries (the dead-letter queue's consumer stores them): kept until an operator
 * redrives them to their queue (`POST /v1/operator/dead-letters/redrive`, `npm run queue:redrive`).
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    queue: text("queue").notNull(),
    messageId: text("message_id").notNull(),
    body: text("body", { mode: "json" }).notNull(),
    firstFailedAt: text("first_failed_at").notNull(),
    lastFailedAt: text("last_failed_at").notNull(),
    attempts: integer("attempts").notNull(),
    // Null until redriven; a redriven message is not sent again.
    redrivenAt: text("redriven_at"),
  },
  (t) => [primaryKey({ columns: [t.queue, t.messageId] })],
);

// ---- Post-call analysis (workers/analysis/) ----

/**
 * One analysis of a call: version 1 when the call was delivered, the next on each `POST /v1/calls/{id}/analyze`.
 * `queued` until the consumer settles it (succeeded, failed or skipped, with the reason); a redelivered message
 * finds it settled and does nothing. Tokens are the model's usage over all attempts.
 */
export const callAnalyses = sqliteTable(
  "call_analyses",
  {
    callId: text("call_id").notNull(),
    analysisVersion: integer("analysis_version").notNull(),
    accountId: text("account_id").notNull(),
    agentId: text("agent_id").notNull(),
    // The agent version whose `analysis` config was used.
    agentVersion: integer("agent_version").notNull(),
    status: text("status", { enum: ["queued", "succeeded", "failed", "skipped"] }).notNull(),
    reason: text("reason"),
    summary: text("summary"),
    structuredData: text("structured_data", { mode: "json" }),
    // The rubric's verdict as the model gave it (boolean, score, checklist or words), and whether it counts as a success.
    success: text("success", { mode: "json" }),
    succeeded: integer("succeeded", { mode: "boolean" }),
    sentiment: text("sentiment", { enum: ["positive", "neutral", "negative", "unknown"] }),
    disposition: text("disposition"),
    model: text("model"),
    attempts: integer("attempts").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    createdAt: createdAt(),
    completedAt: text("completed_at"),
    // The tokens' price, copied from Postgres's analysis_charges once posted (null until then, or without a billing side).
    cost: text("cost", { mode: "json" }).$type<AnalysisCost>(),
    // Quality (the agent's `quality` config): the scorecard's weighted total (0–100), the violations, and the detail.
    qualityScore: real("quality_score"),
    violationCount: integer("violation_count"),
    quality: text("quality", { mode: "json" }).$type<CallQuality>(),
  },
  (t) => [
    primaryKey({ columns: [t.callId, t.analysisVersion] }),
    // The quality trends and the coaching report read an agent's analyses, lowest scores first.
    index("call_analyses_account_agent_score").on(t.accountId, t.agentId, t.qualityScore),
    // The list filters (GET /v1/calls?success=&sentiment=&disposition=) look up an account's analyses by value.
    index("call_analyses_account_sentiment").on(t.accountId, t.sentiment),
    index("call_analyses_account_disposition").on(t.accountId, t.disposition),
    index("call_analyses_account_succeeded").on(t.accountId, t.succeeded),
  ],
);
