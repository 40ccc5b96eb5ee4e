import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTenant, request } from "../../../test/workers/api-client.ts";
import { setAccountVerification } from "../../../shared/compliance/account-verification.ts";
import { database } from "../../../shared/db/client.ts";
import { accounts } from "../../../shared/db/schema.ts";
import { caseDetails, loadFixtureLists, operatorRequest, person, tenantInReview } from "./verification-fixtures.ts";

beforeAll(loadFixtureLists, 60_000);

const accountVerification = async (accountId: string) => (await database(env.DB).select({ v: accounts.verification }).from(accounts).where(eq(accounts.id, accountId)).get())!.v;

/** A tenant on trial whose case is in review. */
async function caseInReview(overrides: Parameters<typeof caseDetails>[0] = {}) {
  const t = await tenantInReview(overrides);
  await setAccountVerification(database(env.DB), t.accountId, "trial");
  return t;
}

describe("/v1/operator/verifications", () => {
  it("puts a case with a sanctioned owner in front of the operator with the matched entry, and a confirmed match rejects it", async () => {
    const t = await caseInReview({ beneficial_owners: [{ ...person("John Doe"), ownership_percent: 40 }] });
    const list = await operatorRequest("GET", "/v1/operator/verifications?state=in_review&limit=100");
    expect(list.status).toBe(200);
    const listed = list.json.data.find((c: { account_id: string }) => c.account_id === t.accountId);
    expect(listed.details.beneficial_owners[0].name).toBe("John Doe");

    const one = await operatorRequest("GET", `/v1/operator/verifications/${t.accountId}`);
    const screening = one.json.evidence.find((e: { kind: string }) => e.kind === "sanctions_screening");
    expect(screening.threshold).toBe(0.9);
    expect(screening.matches).toEqual([
      expect.objectContaining({ input: "John Doe", source: "sdn", ent_num: 90003, listed_name: "DOE, John", matched_kind: "primary", score: expect.any(Number), programs: ["CYBER2"] }),
    ]);
    expect(screening.matches[0].score).toBeGreaterThanOrEqual(0.9);
    const audit = (await api(t.key).get("/v1/audit-log?limit=1")).json.data[0];
    expect(audit.detail).toMatchObject({ sanctions_matches: 1, transitions: [{}, {}, { to: "in_review", reason: "1 sanctions match(es) for the operator to review" }] });

    const unknown = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/reject`, { reason: "listed", confirmed_match: { source: "sdn", ent_num: 90002 } });
    expect(unknown.status).toBe(422);
    expect(unknown.json.errors[0].path).toBe("confirmed_match");

    const rejected = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/reject`, { reason: "owner is on the SDN list", confirmed_match: { source: "sdn", ent_num: 90003 } });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json).toMatchObject({ state: "rejected", decision_reason: "owner is on the SDN list" });
    expect(rejected.json.evidence.at(-1)).toMatchObject({ kind: "decision", decision: "rejected", confirmed_match: { source: "sdn", ent_num: 90003 } });
    expect(await accountVerification(t.accountId)).toBe("trial");
    expect((await api(t.key).get("/v1/verification")).json).toMatchObject({ state: "rejected", decision_reason: "owner is on the SDN list" });
    const entry = (await api(t.key).get("/v1/audit-log?limit=1")).json.data[0];
    expect(entry).toMatchObject({ actor: "operator", action: "POST /v1/operator/verifications/:id/reject", resource: t.accountId });
    expect(entry.detail.transitions).toEqual([{ from: "in_review", to: "rejected", reason: "owner is on the SDN list" }]);
    // Rejected is final.
    expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "changed my mind" })).status).toBe(409);
    expect((await api(t.key).put("/v1/verification", caseDetails())).status).toBe(409);
  });

  it("approves a clean case, lifting the trial gates, after a round of needs_info", async () => {
    const t = await caseInReview();
    const asked = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/request-info`, { reason: "send the registered office's address" });
    expect(asked.json).toMatchObject({ state: "needs_info", decision_reason: "send the registered office's address" });
    expect(await accountVerification(t.accountId)).toBe("trial");
    // Not in review any more: the operator cannot approve it until it is resubmitted.
    expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "fine" })).status).toBe(409);

    expect((await api(t.key).put("/v1/verification", caseDetails({ legal_name: "Brightsmile Dental Group Ltd" }))).json.state).toBe("needs_info");
    const resubmitted = await api(t.key).post("/v1/verification/submit");
    expect(resubmitted.json.state).toBe("in_review");
    expect((await api(t.key).get("/v1/audit-log?limit=1")).json.data[0].detail.transitions[0]).toEqual({ from: "needs_info", to: "submitted", reason: "submitted by the tenant" });

    const approved = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "registry and identity checked" });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json.state).toBe("approved");
    expect(approved.json.evidence.map((e: { kind: string }) => e.kind)).toEqual(["sanctions_screening", "decision", "sanctions_screening", "decision"]);
    expect(await accountVerification(t.accountId)).toBe("approved");
    expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/reject`, { reason: "late" })).status).toBe(409);
  });

  it("refuses decisions on cases not in review, unknown accounts, bad bodies and callers without the operator secret", async () => {
    const t = await createTenant();
    expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "x" })).status).toBe(404);
    await api(t.key).put("/v1/verification", caseDetails());
    const early = await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "x" });
    expect(early.status).toBe(409);
    expect(early.json.detail).toContain("not_started");
    expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, {})).status).toBe(422);
    expect((await operatorRequest("GET", "/v1/operator/verifications/not-an-account")).status).toBe(422);
    expect((await operatorRequest("GET", "/v1/operator/verifications?state=open")).status).toBe(422);
    expect((await operatorRequest("GET", "/v1/operator/verifications?cursor=bogus")).status).toBe(422);
    expect((await request("GET", `/v1/operator/verifications/${t.accountId}`, { key: t.key })).status).toBe(401);
    expect(await accountVerification(t.accountId)).toBe("approved");
  });

  it("pages through the cases in one state, longest waiting first", async () => {
    const a = await caseInReview();
    const b = await caseInReview();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { account_id: string }[]; next_cursor: string | null } } = await operatorRequest("GET", `/v1/operator/verifications?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.json.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.json.data.map((c) => c.account_id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen.indexOf(a.accountId)).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf(b.accountId)).toBeGreaterThan(seen.indexOf(a.accountId));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
