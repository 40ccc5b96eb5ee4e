/**
 * The operator's review of verification cases: `/v1/operator/verifications`. Approving sets the account's
 * `verification` to `approved` (the trial gates lift); rejecting sets it to `trial`. Each decision, its reason and
 * the D1 change are audited in the account's chain, inside the case's Postgres transaction.
 */
import { z } from "@hono/zod-openapi";
import { and, asc, eq, gt, or, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import { setAccountVerification, type AccountVerification } from "../../../shared/compliance/account-verification.ts";
import { database } from "../../../shared/db/client.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { verificationCases, VERIFICATION_STATES } from "../../../shared/pg/schema.ts";
import { base64UrlDecode, base64UrlEncode } from "../../../shared/crypto/base64.ts";
import type { AppEnv } from "../../api/app-env.ts";
import { pageOf } from "../../api/pagination.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, operatorRoute, problem, resourceApp } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../../billing/billing-db.ts";
import { decideCase, type CaseDecision, type DecisionRequest } from "./case-decisions.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { CaseSealer } from "./case-sealing.ts";
import { registerApprovedAccount } from "./trust-hub-handoff.ts";
import { readCase, reviewedView } from "./case-store.ts";
import { Decision, Rejection, ReviewedCase } from "./verification-schemas.ts";
import { ReviewedCaseWithDocuments } from "./document-schemas.ts";
import { documentView, listDocuments } from "./document-store.ts";

export const operatorVerificationsApi = resourceApp();

const AccountParam = IdParam(ID_PATTERNS.account, "AYB-7KQ2-M9XD-4HTV");
const CONFLICT = { 409: problem("`conflict`: the case is not `in_review`.") };

const ListQuery = z.object({
  state: z.enum(VERIFICATION_STATES).default("in_review").openapi({ description: "Cases in this state (default: those waiting for review)." }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: "Items per page (1–100)." }),
  cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page." }),
});

/** Oldest submission first (the queue's order); the cursor holds the last row's position. */
const afterPosition = (cursor: string | undefined): SQL | undefined => {
  if (!cursor) return undefined;
  let position: { s?: unknown; a?: unknown } = {};
  try {
    position = JSON.parse(base64UrlDecode(cursor));
  } catch {
    /* refused below */
  }
  if (typeof position.s !== "string" || typeof position.a !== "string" || Number.isNaN(Date.parse(position.s))) {
    throw new ApiError("validation-error", "cursor is not valid; pass the next_cursor of the previous page unchanged", { errors: [{ path: "query.cursor", message: "invalid cursor" }] });
  }
  const at = new Date(position.s);
  return or(gt(verificationCases.updatedAt, at), and(eq(verificationCases.updatedAt, at), gt(verificationCases.accountId, position.a)));
};

operatorVerificationsApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/verifications",
    summary: "Verification cases in one state (by default those waiting for review), longest waiting first",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(ReviewedCase, "ReviewedVerificationCasePage"), "A page of cases, decrypted, with their evidence."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { state, limit, cursor } = c.req.valid("query");
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const rows = await withBillingDb(c.env, (db) =>
      db
        .select()
        .from(verificationCases)
        .where(and(eq(verificationCases.state, state), afterPosition(cursor)))
        .orderBy(asc(verificationCases.updatedAt), asc(verificationCases.accountId))
        .limit(limit + 1),
    );
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    const next_cursor = rows.length > limit && last ? base64UrlEncode(JSON.stringify({ s: last.updatedAt.toISOString(), a: last.accountId })) : null;
    return c.json({ data: await Promise.all(shown.map((row) => reviewedView(sealer, row))), next_cursor }, 200);
  },
);

operatorVerificationsApi.openapi(
  operatorRoute({
    method: "get",
    path: "/operator/verifications/{id}",
    summary: "One account's verification case, decrypted, with its evidence (screening matches, identity checks, decisions) and documents",
    request: { params: AccountParam },
    responses: { 200: jsonResponse(ReviewedCaseWithDocuments, "The case, with its documents (download each from `…/documents/{doc_id}`)."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
    const [row, documents] = await withBillingDb(c.env, (db) => Promise.all([readCase(db, id), listDocuments(db, id)]));
    if (!row) throw notFound("verification case");
    return c.json({ ...(await reviewedView(sealer, row)), documents: documents.map(documentView) }, 200);
  },
);

/** What each decision does to the account's trial gates (needs_info leaves them as they are). */
const ACCOUNT_VERIFICATION: Record<CaseDecision, AccountVerification | undefined> = { approved: "approved", rejected: "trial", needs_info: undefined };

async function decide(c: Context<AppEnv>, accountId: string, request: DecisionRequest) {
  const sealer = new CaseSealer(c.env.ENCRYPTION_KEY);
  const gate = ACCOUNT_VERIFICATION[request.decision];
  const row = await withBillingDb(c.env, (db) =>
    decideCase(db, sealer, accountId, request, (transitions, detail) => {
      const audit = { accountId, resource: accountId, detail: { transitions, ...detail, ...(gate ? { account_verification: gate } : {}) } };
      return gate ? c.var.audit.commit([setAccountVerification(database(c.env.DB), accountId, gate)], audit) : c.var.audit.commit([], audit);
    }),
  );
  const view = await reviewedView(sealer, row);
  if (request.decision === "approved") registerApprovedAccount(c.env, (p) => c.executionCtx.waitUntil(p), accountId, view.details, publicBaseUrl(c.env, c.req.raw));
  return c.json(view, 200);
}

const decisionRoute = (path: string, summary: string) => ({
  method: "post" as const,
  path: `/operator/verifications/{id}/${path}`,
  summary,
  responses: { 200: jsonResponse(ReviewedCase, "The case after the decision."), ...CONFLICT, ...UNAVAILABLE },
});

operatorVerificationsApi.openapi(operatorRoute({ ...decisionRoute("approve", "Approve a case under review: the account leaves the trial gates"), request: { params: AccountParam, ...jsonBody(Decision) } }), async (c) => {
  const { id } = c.req.valid("param");
  return decide(c, id, { decision: "approved", reason: c.req.valid("json").reason });
});

operatorVerificationsApi.openapi(
  operatorRoute({
    ...decisionRoute("reject", "Reject a case under review (with `confirmed_match` when a sanctions match is confirmed): the account stays on the trial gates"),
    request: { params: AccountParam, ...jsonBody(Rejection) },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { reason, confirmed_match } = c.req.valid("json");
    return decide(c, id, { decision: "rejected", reason, confirmedMatch: confirmed_match });
  },
);

operatorVerificationsApi.openapi(
  operatorRoute({
    ...decisionRoute("request-info", "Ask the tenant for information: the case returns to them (`needs_info`) to change and submit again"),
    request: { params: AccountParam, ...jsonBody(Decision) },
  }),
  async (c) => {
  const { id } = c.req.valid("param");
    return decide(c, id, { decision: "needs_info", reason: c.req.valid("json").reason });
  },
);
