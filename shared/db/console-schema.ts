import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { accounts, users } from "./schema.ts";

/**
 * The D1 tables of the tenant console's sign-in (workers/console/), apart from schema.ts; drizzle-kit reads every
 * `*schema.ts`. Rows hang off `users` with ON DELETE CASCADE, so removing a user through the API ends their login
 * and sessions with it.
 */
type Sealed = { keyId: string; ciphertext: string };

/** A console user's password and second factor. One login per email across the platform (sign-in names no account). */
export const consoleLogins = sqliteTable(
  "console_logins",
  {
    userId: text("user_id").primaryKey().references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    // PBKDF2-SHA256: base64 hash and salt, and the iteration count it was made with (so the count can be raised).
    passwordHash: text("password_hash").notNull(),
    passwordSalt: text("password_salt").notNull(),
    passwordIterations: integer("password_iterations").notNull(),
    // The TOTP secret, sealed with ENCRYPTION_KEY; `totpEnabledAt` is set once a code from it was confirmed.
    totpSecret: text("totp_secret", { mode: "json" }).$type<Sealed>(),
    totpEnabledAt: text("totp_enabled_at"),
    // The last TOTP time step accepted, so one code cannot be used twice.
    totpLastStep: integer("totp_last_step"),
    // SHA-256 of each unused recovery code.
    recoveryCodes: text("recovery_codes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("console_logins_email").on(t.email)],
);

/**
 * A signed-in browser. The cookie holds a random token; only its SHA-256 is stored. `stage` is `mfa` until the
 * second factor is given, `mfa_setup` while an account that requires MFA waits for the user to enrol.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull().references(() => accounts.id),
    stage: text("stage", { enum: ["mfa", "mfa_setup", "active"] }).notNull(),
    csrfToken: text("csrf_token").notNull(),
    userAgent: text("user_agent"),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("console_sessions_token").on(t.tokenHash), index("console_sessions_user").on(t.userId)],
);

/** An invitation link: its token's SHA-256, for one user, valid until `expiresAt`, used once. */
export const consoleInvites = sqliteTable(
  "console_invites",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    accountId: text("account_id").notNull().references(() => accounts.id),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    acceptedAt: text("accepted_at"),
  },
  (t) => [index("console_invites_user").on(t.userId)],
);

/** Failed sign-ins, by `email:<address>` and `ip:<address>`, counted over a sliding window for the rate limit. */
export const consoleSignInFailures = sqliteTable(
  "console_sign_in_failures",
  { id: integer("id").primaryKey({ autoIncrement: true }), key: text("key").notNull(), at: text("at").notNull() },
  (t) => [index("console_sign_in_failures_key").on(t.key, t.at)],
);

/** Per-account console policy. */
export const consoleAccountPolicies = sqliteTable("console_account_policies", {
  accountId: text("account_id").primaryKey().references(() => accounts.id),
  requireMfa: integer("require_mfa", { mode: "boolean" }).notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Mail the platform sends (invitations). Locally nothing sends it: `npm run dev` prints each new message. */
export const emailOutbox = sqliteTable(
  "email_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    accountId: text("account_id").references(() => accounts.id),
    to: text("to_address").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("email_outbox_created").on(t.createdAt)],
);
