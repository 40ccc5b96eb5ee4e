import { and, eq } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { PgDatabase } from "../../shared/pg/client.ts";
import { postOnce } from "../../shared/pg/ledger-postings.ts";
import { billingAccounts, ledgerPostings, type LedgerPosting, type NewLedgerPosting } from "../../shared/pg/schema.ts";
import { ApiError, notFound } from "../api/problem.ts";
import type { CreatePosting } from "./billing-schemas.ts";

type PostingRequest = z.infer<typeof CreatePosting>;
type Sides = Pick<NewLedgerPosting, "debit" | "credit">;

/** Where each operator posting moves money (double entry: every posting takes from one ledger account to another). */
function sidesOf(request: PostingRequest): Sides {
  switch (request.kind) {
    // A refund gives back charges already earned: revenue returns to the customer's balance.
    case "refund":
      return { debit: "revenue", credit: "customer_balance" };
    case "promotional_grant":
      return { debit: "promotions", credit: "customer_balance" };
    case "adjustment":
      return request.direction === "credit" ? { debit: "adjustments", credit: "customer_balance" } : { debit: "customer_balance", credit: "adjustments" };
  }
}

export interface OperatorPostingOutcome {
  posting: LedgerPosting;
  /** False when the request's Idempotency-Key had already posted (a retry): nothing new was written. */
  created: boolean;
}

/**
 * Posts an operator's refund, adjustment or grant once per Idempotency-Key (source `operator_request/<key>`). A
 * key that already posted something else is refused, so a reused key never passes for the request it first made.
 */
export async function postOperatorRequest(db: PgDatabase, accountId: string, idempotencyKey: string, request: PostingRequest): Promise<OperatorPostingOutcome> {
  const [billing] = await db.select({ currency: billingAccounts.currency }).from(billingAccounts).where(eq(billingAccounts.accountId, accountId)).limit(1);
  if (!billing) throw notFound("billing account");
  if (request.currency !== billing.currency) {
    throw new ApiError("validation-error", `the account is billed in ${billing.currency}`, { errors: [{ path: "currency", message: `must be the account's currency, ${billing.currency}`, code: "currency_mismatch" }] });
  }
  const posting = { accountId, kind: request.kind, ...sidesOf(request), amountMinor: request.amount_minor, currency: request.currency, sourceType: "operator_request" as const, sourceId: idempotencyKey, reason: request.reason };
  const outcome = await postOnce(db, posting);
  const [stored] = await db
    .select()
    .from(ledgerPostings)
    .where(and(eq(ledgerPostings.accountId, accountId), eq(ledgerPostings.sourceType, "operator_request"), eq(ledgerPostings.sourceId, idempotencyKey)));
  const same = stored!.kind === posting.kind && stored!.debit === posting.debit && stored!.amountMinor === posting.amountMinor && stored!.reason === posting.reason;
  if (!same) throw new ApiError("idempotency-key-reused", "this Idempotency-Key already made another posting on this account; use a new key for a new posting");
  return { posting: stored!, created: outcome === "posted" };
}
