import { and, desc, eq } from "drizzle-orm";
import { pushBalanceSnapshot } from "../../../shared/billing/balance-snapshot.ts";
import { database } from "../../../shared/db/client.ts";
import { accounts } from "../../../shared/db/schema.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { ledgerPostings } from "../../../shared/pg/schema.ts";
import { belowCursor, PageQuery, pageOf, toNumberedPage } from "../../api/pagination.ts";
import { ApiError, notFound } from "../../api/problem.ts";
import { IdParam, jsonBody, jsonResponse, operatorRoute, resourceApp, securedRoute } from "../../api/route.ts";
import { UNAVAILABLE, withBillingDb } from "../billing-db.ts";
import { CreatePosting, Posting, postingView } from "../billing-schemas.ts";
import { postOperatorRequest } from "../operator-postings.ts";

export const postingsApi = resourceApp();

postingsApi.openapi(
  operatorRoute({
    method: "post",
    path: "/operator/accounts/{id}/postings",
    summary: "Refund, adjust or grant credit on an account's ledger, with a reason (operator only)",
    description:
      "Requires `Idempotency-Key`: the posting is unique on it (source `operator_request/<key>`), so a retry posts nothing new (200 with the first posting). Recorded in the account's audit chain; the account's gate gets the new balance.",
    request: { params: IdParam(ID_PATTERNS.account, "AYB-7KQ2-M9XD-4HTV"), ...jsonBody(CreatePosting) },
    responses: { 201: jsonResponse(Posting, "Posted."), 200: jsonResponse(Posting, "This key had already posted: the first posting."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const key = c.req.header("idempotency-key");
    if (!key) {
      throw new ApiError("validation-error", "operator postings need an Idempotency-Key, so a retried request cannot post twice", {
        errors: [{ path: "header.Idempotency-Key", message: "required" }],
      });
    }
    const account = await database(c.env.DB).select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id)).get();
    if (!account) throw notFound("account");
    const { posting, created } = await withBillingDb(c.env, async (db) => {
      const outcome = await postOperatorRequest(db, id, key, input);
      await pushBalanceSnapshot(c.env, id, db);
      return outcome;
    });
    // Also on a retry: the first attempt may have posted and then failed before its entry was written.
    await c.var.audit.commit([], {
      accountId: id,
      resource: `posting:${posting.id}`,
      detail: { kind: posting.kind, debit: posting.debit, credit: posting.credit, amount_minor: posting.amountMinor, currency: posting.currency, reason: posting.reason, retry: !created },
    });
    return c.json(postingView(posting), created ? 201 : 200);
  },
);

postingsApi.openapi(
  securedRoute("billing:read", {
    method: "get",
    path: "/billing/ledger",
    tags: ["Billing"],
    summary: "The caller's ledger postings, newest first",
    request: { query: PageQuery },
    responses: { 200: jsonResponse(pageOf(Posting, "PostingPage"), "A page of postings."), ...UNAVAILABLE },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const accountId = c.get("principal").accountId;
    const rows = await withBillingDb(c.env, (db) =>
      db
        .select()
        .from(ledgerPostings)
        .where(and(eq(ledgerPostings.accountId, accountId), belowCursor(cursor, ledgerPostings.id)))
        .orderBy(desc(ledgerPostings.id))
        .limit(limit + 1),
    );
    return c.json(toNumberedPage(rows, limit, (p) => p.id, postingView), 200);
  },
);
