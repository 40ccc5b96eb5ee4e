import { z } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { auditLog } from "../../../shared/db/schema.ts";
import { settleAuditChain, verifyAuditChain } from "../../services/audit-log.ts";
import { belowCursor, PageQuery, pageOf, toNumberedPage } from "../pagination.ts";
import { jsonResponse, resourceApp, securedRoute } from "../route.ts";

const AuditEntry = z
  .object({
    seq: z.number().int().openapi({ description: "Position in the account's chain, from 1." }),
    actor: z.string().openapi({ example: "key:KEY-7KQ2M9XD4H" }),
    action: z.string().openapi({ example: "POST /v1/agents/:id/publish" }),
    resource: z.string().nullable(),
    request_id: z.string().nullable(),
    ip: z.string().nullable(),
    at: z.string(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    prev_hash: z.string(),
    hash: z.string().openapi({ description: "SHA-256 over this entry and `prev_hash`." }),
  })
  .openapi("AuditEntry");

const ChainVerification = z
  .object({
    valid: z.boolean(),
    checked: z.number().int().openapi({ description: "Entries that verified before the first break (all of them when valid)." }),
    broken_at_seq: z.number().int().nullable().openapi({ description: "The first entry that was altered, removed or inserted." }),
    head_hash: z
      .string()
      .nullable()
      .openapi({ description: "Hash of the newest entry the database recorded (null before the first write). Keep it elsewhere to detect a rewrite of the whole log." }),
    pending: z
      .number()
      .int()
      .openapi({ description: "Entries written but not chained yet. Verification chains pending entries first, so this is 0 unless chaining failed (retried automatically)." }),
  })
  .openapi("AuditChainVerification");

type AuditRow = typeof auditLog.$inferSelect;
const auditView = (r: AuditRow): z.infer<typeof AuditEntry> => ({
  seq: r.seq,
  actor: r.actor,
  action: r.action,
  resource: r.resource,
  request_id: r.requestId,
  ip: r.ip,
  at: r.at,
  detail: (r.detail as Record<string, unknown> | null) ?? null,
  prev_hash: r.prevHash,
  hash: r.hash,
});

export const auditLogApi = resourceApp();

auditLogApi.openapi(
  securedRoute("audit:read", {
    method: "get",
    path: "/audit-log",
    tags: ["Audit log"],
    summary: "The account's audit log, newest first: one entry per successful write",
    description: "Each write stores its entry with the write itself; entries are chained moments later, and this list chains what is pending before it reads.",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(AuditEntry, "AuditEntryPage"), "A page of entries.") },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    await settleAuditChain(c.env, c.get("principal").accountId);
    const rows = await database(c.env.DB)
      .select()
      .from(auditLog)
      // The chain's own order (seq) pages exactly, where (created_at, id) would not: entries have no id and may share `at`.
      .where(and(eq(auditLog.accountId, c.get("principal").accountId), belowCursor(cursor, auditLog.seq)))
      .orderBy(desc(auditLog.seq))
      .limit(limit + 1)
      .all();
    return c.json(toNumberedPage(rows, limit, (r) => r.seq, auditView), 200);
  },
);

auditLogApi.openapi(
  securedRoute("audit:read", {
    method: "get",
    path: "/audit-log/verify",
    tags: ["Audit log"],
    summary: "Recompute the account's hash chain and report the first entry that does not match",
    responses: { 200: jsonResponse(ChainVerification, "The verification result.") },
  }),
  async (c) => {
    const accountId = c.get("principal").accountId;
    await settleAuditChain(c.env, accountId);
    const result = await verifyAuditChain(database(c.env.DB), accountId);
    return c.json({ valid: result.valid, checked: result.checked, broken_at_seq: result.brokenAtSeq ?? null, head_hash: result.headHash, pending: result.pending }, 200);
  },
);
