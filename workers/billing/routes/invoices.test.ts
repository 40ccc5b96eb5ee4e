import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../../test/workers/api-client.ts";
import { billingAccount, operator } from "../../../test/workers/billing-fixtures.ts";
import { billingPlace, chargeAt, fetchStatement, runInvoicing } from "../invoices/testing/invoice-fixtures.ts";
import { pdfText } from "../invoices/testing/pdf-text.ts";

const PROBLEMS = "https://docs.ayb.dev/problems/";
const AGENT_A = "AGT-AAAAAAAAAA";
const AGENT_B = "AGT-BBBBBBBBBB";

/** A postpaid tenant in Paris with calls priced in three months of 2026 (and one just after November ends there). */
async function tenantWithCalls() {
  const t = await createTenant();
  await billingAccount(t.accountId, "postpaid");
  await billingPlace(t, { time_zone: "Europe/Paris" });
  await chargeAt(t.accountId, "2026-09-10T12:00:00.000Z", { minuteMinor: 40 });
  await chargeAt(t.accountId, "2026-10-10T12:00:00.000Z", { minuteMinor: 30 });
  await chargeAt(t.accountId, "2026-11-02T09:00:00.000Z", { agentId: AGENT_A, minutes: 3, minuteMinor: 120, sttSeconds: 12.5 });
  await chargeAt(t.accountId, "2026-11-20T09:00:00.000Z", { agentId: AGENT_A, minutes: 1, minuteMinor: 40, sttSeconds: 30.1 });
  await chargeAt(t.accountId, "2026-11-30T22:59:59.000Z", { agentId: AGENT_B, minutes: 2, minuteMinor: 80 });
  // 00:00 on 1 December in Paris: December's.
  await chargeAt(t.accountId, "2026-11-30T23:00:00.000Z", { agentId: AGENT_B, minutes: 9, minuteMinor: 900 });
  return t;
}

describe("GET /v1/billing/statements/{month}", () => {
  it("is a PDF of the month's lines by agent and component, with the totals and the invoice, read back from the file", { timeout: 60_000 }, async () => {
    const t = await tenantWithCalls();
    await runInvoicing(t.accountId, "2026-12-01T00:17:00.000Z");
    const res = await fetchStatement(t.key, "2026-11");
    expect(res.status).toBe(200);
    expect(res.type).toBe("application/pdf");
    const { doc, pages } = await pdfText(res.bytes);
    expect(doc.getTitle()).toBe("Usage statement 2026-11");
    expect(doc.getSubject()).toBe(`Account ${t.accountId}`);
    expect(pages).toHaveLength(1);
    const shown = pages[0]!.filter((s) => s !== "");
    expect(shown.slice(0, 4)).toEqual(["Usage statement 2026-11", `Account ${t.accountId}`, "Period 2026-11-01 00:00 to 2026-12-01 00:00 (Europe/Paris)", "Amounts in USD"]);
    // Each line's description, then its amount (drawn flush right).
    expect(shown.slice(4, 10)).toEqual([`Agent ${AGENT_A}: Speech-to-text, 42.6 s`, "0.14", `Agent ${AGENT_A}: Inbound telephony, 4 min`, "1.60", `Agent ${AGENT_B}: Inbound telephony, 2 min`, "0.80"]);
    expect(shown.slice(10)).toEqual(["Total for 3 calls: 2.54 USD", expect.stringMatching(/^Invoice [A-Z0-9]+-\d{4}: open, tax 0\.00$/)]);
  });

  it("covers the current month so far, and refuses a month not begun, a malformed month, an account without billing and a malformed billing country", { timeout: 60_000 }, async () => {
    const t = await tenantWithCalls();
    const now = new Date();
    const current = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
    expect((await fetchStatement(t.key, current)).status).toBe(200);
    const empty = await pdfText((await fetchStatement(t.key, "2020-01")).bytes);
    expect(empty.pages[0]).toContain("No calls were priced in this month.");
    expect(empty.pages[0]).toContain("Not invoiced");

    const future = await fetchStatement(t.key, `${now.getUTCFullYear() + 1}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`);
    expect(future.status).toBe(422);
    expect(future.type).toMatch(/application\/problem\+json/);
    expect(future.json()).toMatchObject({ type: `${PROBLEMS}validation-error`, errors: [expect.objectContaining({ path: "month", code: "future_month" })] });
    for (const bad of ["2026-13", "2026-1", "november", "2026-11-01"]) {
      const res = await fetchStatement(t.key, bad);
      expect(res.status, bad).toBe(422);
      expect(res.json().errors[0].path, bad).toBe("month");
    }
    const country = await operator("PATCH", `/v1/operator/accounts/${t.accountId}/billing`, { country: "gb" });
    expect(country.json).toMatchObject({ status: 422, type: `${PROBLEMS}validation-error`, errors: [expect.objectContaining({ path: "country" })] });
    const unbilled = await createTenant();
    expect((await fetchStatement(unbilled.key, "2026-11")).json()).toMatchObject({ status: 404, type: `${PROBLEMS}not-found` });
  });
});

describe("GET /v1/billing/invoices", () => {
  it("pages the caller's invoices newest first with a cursor, and needs billing:read", { timeout: 60_000 }, async () => {
    const t = await tenantWithCalls();
    for (const at of ["2026-10-01T00:17:00.000Z", "2026-11-01T00:17:00.000Z", "2026-12-01T00:17:00.000Z"]) expect((await runInvoicing(t.accountId, at)).created).not.toBeNull();
    const first = await api(t.key).get("/v1/billing/invoices?limit=2");
    expect(first.status).toBe(200);
    expect(first.json.data.map((i: any) => [i.month, i.subtotal_minor])).toEqual([["2026-11", 254], ["2026-10", 30]]);
    expect(first.json.data[0].lines.map((l: any) => [l.agent_id, l.component, l.amount_minor])).toEqual([
      [AGENT_A, "stt_second", 14],
      [AGENT_A, "telephony_inbound_minute", 160],
      [AGENT_B, "telephony_inbound_minute", 80],
    ]);
    const second = await api(t.key).get(`/v1/billing/invoices?limit=2&cursor=${first.json.next_cursor}`);
    expect(second.json).toMatchObject({ data: [expect.objectContaining({ month: "2026-09", subtotal_minor: 40 })], next_cursor: null });
    expect((await api(t.key).get("/v1/billing/invoices?cursor=not-a-cursor")).json).toMatchObject({ status: 422, errors: [expect.objectContaining({ path: "query.cursor" })] });

    const agentKey = await api(t.key).post("/v1/api-keys", { name: "agents only", scopes: ["agents:read"] });
    for (const path of ["/v1/billing/invoices", "/v1/billing/statements/2026-11"]) {
      const refused = await api(agentKey.json.key).get(path);
      expect(refused.status, path).toBe(403);
      expect(refused.json.required_scope).toBe("billing:read");
    }
  });

  it("shows a tenant only its own invoices and statement lines", { timeout: 60_000 }, async () => {
    const a = await tenantWithCalls();
    await runInvoicing(a.accountId, "2026-11-01T00:17:00.000Z");
    await runInvoicing(a.accountId, "2026-12-01T00:17:00.000Z");
    const b = await createTenant();
    await billingAccount(b.accountId, "postpaid");
    expect((await api(b.key).get("/v1/billing/invoices")).json).toEqual({ data: [], next_cursor: null });
    // A's cursor on B's listing continues B's (empty) list: ids are positions, not access.
    const aFirst = await api(a.key).get("/v1/billing/invoices?limit=1");
    expect(aFirst.json.next_cursor).not.toBeNull();
    expect((await api(b.key).get(`/v1/billing/invoices?cursor=${aFirst.json.next_cursor}`)).json).toEqual({ data: [], next_cursor: null });
    const statement = await pdfText((await fetchStatement(b.key, "2026-11")).bytes);
    expect(statement.pages[0]).toContain("No calls were priced in this month.");
    expect(statement.pages[0]!.join("\n")).not.toContain(AGENT_A);
  });
});
