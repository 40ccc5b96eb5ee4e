import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { withPostgres } from "../../../../shared/pg/client.ts";
import { billingAccounts, callCharges, invoices } from "../../../../shared/pg/schema.ts";
import type { Tenant } from "../../../../test/workers/api-client.ts";
import { ensureDefaultPlan, operator } from "../../../../test/workers/billing-fixtures.ts";
import type { PricedLine } from "../../pricing.ts";
import { stripe } from "../../payments/testing/stripe-fixtures.ts";
import { invoiceAccount } from "../monthly-invoices.ts";

/** One run of the invoicing job for this account alone, at the injected instant `now`. */
export async function runInvoicing(accountId: string, now: string) {
  return withPostgres(env, async (db) => {
    const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId));
    return invoiceAccount(stripe(), db, account!, new Date(now));
  });
}

/** The Stripe invoice our invoice `id` was sent as. */
export async function stripeInvoiceId(id: number): Promise<string> {
  const [row] = await withPostgres(env, (db) => db.select({ stripeInvoiceId: invoices.stripeInvoiceId }).from(invoices).where(eq(invoices.id, id)));
  return row!.stripeInvoiceId!;
}

/** Sets the account's billing time zone and country (operator route). */
export async function billingPlace(t: Tenant, place: { time_zone?: string; country?: string }) {
  await ensureDefaultPlan();
  const res = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, place);
  if (res.status !== 200) throw new Error(`billing PATCH failed: ${res.status} ${res.text}`);
}

const line = (component: PricedLine["component"], quantity: number, unit: PricedLine["unit"], amountMinor: number): PricedLine => ({ component, quantity, unit, micros_per_unit: 0, amount_minor: amountMinor, estimated: false });

/** A call's charge as settlement records it, priced at a chosen instant (so a test places it in a billing month). */
export async function chargeAt(accountId: string, pricedAt: string, opts: { agentId?: string; minutes?: number; minuteMinor?: number; sttSeconds?: number } = {}) {
  const lines = [line("telephony_inbound_minute", opts.minutes ?? 2, "minute", opts.minuteMinor ?? 100)];
  if (opts.sttSeconds) lines.push(line("stt_second", opts.sttSeconds, "second", 7));
  const callId = `CAL-${crypto.randomUUID()}`;
  await withPostgres(env, (db) =>
    db.insert(callCharges).values({
      accountId,
      callId,
      usageEventId: `usage:${callId}`,
      agentId: opts.agentId ?? "AGT-AAAAAAAAAA",
      currency: "USD",
      totalMinor: lines.reduce((sum, l) => sum + l.amount_minor, 0),
      lines,
      estimated: false,
      pricedAt: new Date(pricedAt),
    }),
  );
  return callId;
}

/** GET of a statement as raw bytes (the API client reads bodies as text). */
export async function fetchStatement(key: string, month: string): Promise<{ status: number; type: string | null; bytes: Uint8Array; json: () => any }> {
  const res = await exports.default.fetch(new Request(`https://api.test/v1/billing/statements/${month}`, { headers: { authorization: `Bearer ${key}` } }));
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get("content-type"), bytes, json: () => JSON.parse(new TextDecoder().decode(bytes)) };
}
