import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { accounts, agents } from "./schema.ts";

/**
 * Outbound campaigns: the row the API lists and scopes by account. The campaign's contacts, attempts and progress
 * live in its own Durable Object (durable-objects/campaign/), which writes the state and counts back here.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    agentId: text("agent_id").notNull().references(() => agents.id),
    name: text("name").notNull(),
    state: text("state", { enum: ["draft", "scheduled", "running", "paused", "completed", "cancelled"] }).notNull(),
    /** Why the platform paused it (account suspended, agent unpublished…); null when the tenant did. */
    pausedReason: text("paused_reason"),
    /** The validated creation body: caller IDs, schedule, concurrency, pacing, retry policy, voicemail action. */
    config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    contactCount: integer("contact_count").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("campaigns_account").on(t.accountId, t.createdAt), index("campaigns_state").on(t.state)],
);
