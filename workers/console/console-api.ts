import { z } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { sha256Hex } from "../../shared/crypto/sha256.ts";
import { database, nowIso } from "../../shared/db/client.ts";
import { consoleAccountPolicies, consoleInvites, emailOutbox } from "../../shared/db/console-schema.ts";
import { users } from "../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../shared/ids.ts";
import { notFound } from "../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, operatorRoute, resourceApp, securedRoute } from "../api/route.ts";
import { randomToken } from "./random-token.ts";

/** The console's own resources under `/v1`: what the console does here, a tenant can do with curl. */
export const INVITE_TTL_MS = 7 * 24 * 3600_000;

const Invitation = z.object({ sent_to: z.string(), expires_at: z.string() }).openapi("ConsoleInvitation");
const ConsolePolicy = z
  .object({ require_mfa: z.boolean().openapi({ description: "Every console user must sign in with a TOTP code; users without one enrol at their next sign-in." }) })
  .strict()
  .openapi("ConsolePolicy");
const OutboxMessage = z.object({ id: z.number().int(), to: z.string(), subject: z.string(), body: z.string(), created_at: z.string() }).openapi("OutboxMessage");

export const consoleApi = resourceApp();

consoleApi.openapi(
  securedRoute("users:write", {
    method: "post",
    path: "/users/{id}/invitations",
    tags: ["Users"],
    summary: "Email a user a link to set their console password (valid 7 days; earlier links stay valid until used or expired)",
    request: { params: IdParam(ID_PATTERNS.user, "USR-7KQ2M9XD4H") },
    responses: { 202: jsonResponse(Invitation, "The invitation is in the outbox.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const principal = c.get("principal");
    const db = database(c.env.DB);
    const user = await db.select().from(users).where(and(eq(users.id, id), eq(users.accountId, principal.accountId))).get();
    if (!user) throw notFound("user");
    const token = randomToken();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + INVITE_TTL_MS).toISOString();
    // The token travels in the fragment, so it never reaches a server log or a Referer header.
    const link = `${new URL(c.req.url).origin}/console/accept-invite#token=${token}`;
    await c.var.audit.commit(
      [
        db.insert(consoleInvites).values({ tokenHash: await sha256Hex(token), userId: user.id, accountId: user.accountId, createdBy: principal.actor, createdAt: now.toISOString(), expiresAt }),
        db.insert(emailOutbox).values({
          accountId: user.accountId,
          to: user.email,
          subject: "You are invited to the voice agent console",
          body: `Set your password and sign in: ${link}\nThe link works once, until ${expiresAt}.`,
          createdAt: now.toISOString(),
        }),
      ],
      { resource: user.id },
    );
    return c.json({ sent_to: user.email, expires_at: expiresAt }, 202);
  },
);

consoleApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/console-policy",
    tags: ["Accounts"],
    summary: "The account's console sign-in policy",
    responses: { 200: jsonResponse(ConsolePolicy, "The policy.") },
  }),
  async (c) => c.json({ require_mfa: await accountRequiresMfa(c.env, c.get("principal").accountId) }, 200),
);

consoleApi.openapi(
  securedRoute("account:write", {
    method: "put",
    path: "/console-policy",
    tags: ["Accounts"],
    summary: "Set the account's console sign-in policy",
    request: jsonBody(ConsolePolicy),
    responses: { 200: jsonResponse(ConsolePolicy, "The policy.") },
  }),
  async (c) => {
    const { require_mfa } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    await c.var.audit.commit(
      [
        db
          .insert(consoleAccountPolicies)
          .values({ accountId, requireMfa: require_mfa, updatedAt: nowIso() })
          .onConflictDoUpdate({ target: consoleAccountPolicies.accountId, set: { requireMfa: require_mfa, updatedAt: nowIso() } }),
      ],
      { resource: accountId, detail: { require_mfa } },
    );
    return c.json({ require_mfa }, 200);
  },
);

consoleApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/email-outbox",
    summary: "Mail waiting in the local outbox, oldest first (local development prints it; operator only)",
    request: { query: z.object({ after_id: z.coerce.number().int().min(0).default(0) }) },
    responses: { 200: jsonResponse(z.object({ data: z.array(OutboxMessage) }), "Messages after `after_id`.") },
  }),
  async (c) => {
    const { after_id } = c.req.valid("query");
    const rows = await database(c.env.DB).select().from(emailOutbox).where(gt(emailOutbox.id, after_id)).orderBy(asc(emailOutbox.id)).limit(100).all();
    return c.json({ data: rows.map((r) => ({ id: r.id, to: r.to, subject: r.subject, body: r.body, created_at: r.createdAt })) }, 200);
  },
);

export async function accountRequiresMfa(env: Env, accountId: string): Promise<boolean> {
  const row = await database(env.DB).select({ requireMfa: consoleAccountPolicies.requireMfa }).from(consoleAccountPolicies).where(eq(consoleAccountPolicies.accountId, accountId)).get();
  return row?.requireMfa ?? false;
}
