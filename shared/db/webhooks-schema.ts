import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { accounts } from "./schema.ts";

/** The D1 tables of tenant webhooks (workers/webhooks/), apart from schema.ts; drizzle-kit reads both files. */
const createdAt = () => text("created_at").notNull();

/** A tenant's webhook endpoint. Its signing secret is sealed (secret-box, bound to account and endpoint). */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull().references(() => accounts.id),
    url: text("url").notNull(),
    description: text("description").notNull(),
    eventTypes: text("event_types", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    // Why the platform turned it off (`gone`: the receiver answered 410); null when the tenant did, or never.
    disabledReason: text("disabled_reason"),
    secret: text("secret", { mode: "json" }).$type<{ keyId: string; ciphertext: string }>().notNull(),
    // After a rotation the old secret signs alongside the new one until it expires.
    previousSecret: text("previous_secret", { mode: "json" }).$type<{ keyId: string; ciphertext: string }>(),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_account").on(t.accountId, t.createdAt)],
);

/** One event to one endpoint: the unit of delivery, retry and replay. `payload` is the exact body that is signed. */
export const webhookMessages = sqliteTable(
  "webhook_messages",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull(),
    nextRetryAt: text("next_retry_at"),
    createdAt: createdAt(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_messages_event_endpoint").on(t.eventId, t.endpointId),
    index("webhook_messages_account").on(t.accountId, t.createdAt),
  ],
);

/** Every delivery attempt of a message: the delivery log. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id").notNull(),
    accountId: text("account_id").notNull(),
    attempt: integer("attempt").notNull(),
    attemptedAt: text("attempted_at").notNull(),
    succeeded: integer("succeeded", { mode: "boolean" }).notNull(),
    responseStatus: integer("response_status"),
    latencyMs: integer("latency_ms").notNull(),
    // At most 1 KiB of the receiver's answer, or why no answer came (refused URL, timeout, network error).
    responseExcerpt: text("response_excerpt").notNull(),
    nextRetryAt: text("next_retry_at"),
  },
  (t) => [index("webhook_attempts_message").on(t.messageId, t.attempt)],
);
