import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../../shared/db/client.ts";
import { accounts } from "../../../shared/db/schema.ts";
import { withPostgres } from "../../../shared/pg/client.ts";
import { verificationRescreens } from "../../../shared/pg/schema.ts";
import { api } from "../../../test/workers/api-client.ts";
import { telephonyTenant, type TelephonyTenant } from "../../../test/workers/telephony-fixtures.ts";
import { FIXTURE_FILES } from "../sanctions/fixtures/fixture-files.ts";
import { loadSanctionsList } from "../sanctions/list-store.ts";
import { consumeRescreens } from "./rescreen-consumer.ts";
import { enqueueRescreens, type RescreenMessage } from "./rescreen-enqueue.ts";
import { caseDetails, operatorRequest, person } from "./verification-fixtures.ts";

const VERIFICATION_REQUIRED = "https://docs.ayb.dev/problems/verification-required";

// A surname no other test uses, so the new list version matches only this file's owner.
const SURNAME = `Quillfeather${[...crypto.getRandomValues(new Uint8Array(6))].map((b) => String.fromCharCode(97 + (b % 26))).join("")}`;
const OWNER = `Thaddeus ${SURNAME}`;
const NEW_ENT_NUM = 90_900;
const newSdnVersion = {
  ...FIXTURE_FILES.sdn,
  primary: `${FIXTURE_FILES.sdn.primary.trimEnd()}\r\n${NEW_ENT_NUM},"${SURNAME.toUpperCase()}, Thaddeus","individual","SDGT","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","-0- ","DOB 02 Feb 1970."\r\n`,
};

const accountVerification = async (accountId: string) => (await database(env.DB).select({ v: accounts.verification }).from(accounts).where(eq(accounts.id, accountId)).get())!.v;
const operatorCase = async (accountId: string) => (await operatorRequest("GET", `/v1/operator/verifications/${accountId}`)).json;
const rescreensOf = (accountId: string) => withPostgres(env, (db) => db.select().from(verificationRescreens).where(eq(verificationRescreens.accountId, accountId)));

/** An approved account (on the gates' `approved`) whose case the operator approved after a clean screening. */
async function approvedTenant(owner: string): Promise<TelephonyTenant> {
  const t = await telephonyTenant({ verification: "approved" });
  await api(t.key).put("/v1/verification", caseDetails({ beneficial_owners: [{ ...person(owner, "1970-02-02"), ownership_percent: 40 }] }));
  expect((await api(t.key).post("/v1/verification/submit")).json.state).toBe("in_review");
  expect((await operatorRequest("POST", `/v1/operator/verifications/${t.accountId}/approve`, { reason: "documents check out" })).json.state).toBe("approved");
  return t;
}

/** The cron job, with a queue that keeps what it was sent. */
async function enqueue(): Promise<RescreenMessage[]> {
  const sent: RescreenMessage[] = [];
  await enqueueRescreens(env, {
    sendBatch: async (messages) => {
      sent.push(...[...messages].map((m) => m.body));
      return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    },
  });
  return sent;
}

async function consume(bodies: RescreenMessage[]) {
  const ctx = createExecutionContext();
  const batch = createMessageBatch("sanctions-rescreens", bodies.map((body, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeRescreens(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("sanctions rescreening", () => {
  it("rescreens every approved case against a new list version, once, and reopens the one whose owner is listed", async () => {
    const clean = await approvedTenant("Marcus Ellingham");
    const listed = await approvedTenant(OWNER);

    const loaded = await withPostgres(env, (db) => loadSanctionsList(db, "sdn", newSdnVersion));
    expect(loaded.created).toBe(true);
    const queued = (await enqueue()).filter((m) => m.version_id === loaded.versionId);
    const ours = queued.filter((m) => m.account_id === clean.accountId || m.account_id === listed.accountId);
    expect(ours).toHaveLength(2);
    expect(ours[0]).toMatchObject({ type: "sanctions.rescreen", version_id: loaded.versionId });

    const first = await consume(ours);
    expect(first.explicitAcks).toHaveLength(2);
    expect(first.retryMessages).toEqual([]);

    // The clean account stays approved, and is marked screened for the version.
    expect((await operatorCase(clean.accountId)).state).toBe("approved");
    expect(await accountVerification(clean.accountId)).toBe("approved");
    expect(await rescreensOf(clean.accountId)).toEqual([expect.objectContaining({ versionId: loaded.versionId, outcome: "clear", matchCount: 0 })]);

    // The listed owner reopens the case, with the match in front of the operator, and the account is on trial again.
    const reopened = await operatorCase(listed.accountId);
    expect(reopened.state).toBe("in_review");
    expect(reopened.evidence.at(-1)).toMatchObject({
      kind: "sanctions_screening",
      list_version: { source: "sdn", version_id: loaded.versionId },
      matches: [expect.objectContaining({ input: OWNER, source: "sdn", ent_num: NEW_ENT_NUM, matched_kind: "primary" })],
    });
    expect(reopened.evidence.at(-1).matches).toHaveLength(1);
    expect(await accountVerification(listed.accountId)).toBe("trial");
    const audit = (await api(listed.key).get("/v1/audit-log?limit=1")).json.data[0];
    expect(audit).toMatchObject({ actor: "platform", action: "verification.rescreened", resource: listed.accountId });
    expect(audit.detail).toMatchObject({
      transitions: [{ from: "approved", to: "in_review", reason: "rescreen_match" }],
      sanctions_matches: 1,
      list_version: { source: "sdn", version_id: loaded.versionId },
      account_verification: "trial",
    });
    // A trial gate now refuses it: outbound calls to a number it has not verified.
    const refused = await api(listed.key).post("/v1/calls", { agent_id: listed.agentId, to: "+12125550142", from: listed.number });
    expect(refused.status).toBe(403);
    expect(refused.json.type).toBe(VERIFICATION_REQUIRED);

    // A redelivered message changes nothing a second time.
    const evidenceCount = reopened.evidence.length;
    const auditCount = (await api(listed.key).get("/v1/audit-log?limit=100")).json.data.length;
    const again = await consume(ours);
    expect(again.explicitAcks).toHaveLength(2);
    expect((await operatorCase(listed.accountId)).evidence).toHaveLength(evidenceCount);
    expect((await api(listed.key).get("/v1/audit-log?limit=100")).json.data.length).toBe(auditCount);
    expect(await rescreensOf(listed.accountId)).toEqual([expect.objectContaining({ versionId: loaded.versionId, outcome: "match", matchCount: 1 })]);
    expect((await operatorCase(clean.accountId)).state).toBe("approved");

    // A second load of the same files is no new version, and queues nothing new.
    const reloaded = await withPostgres(env, (db) => loadSanctionsList(db, "sdn", newSdnVersion));
    expect(reloaded).toMatchObject({ created: false, versionId: loaded.versionId });
    expect((await enqueue()).filter((m) => m.version_id === loaded.versionId)).toEqual([]);

    // The operator confirms the match as today.
    const rejected = await operatorRequest("POST", `/v1/operator/verifications/${listed.accountId}/reject`, {
      reason: "owner is on the SDN list",
      confirmed_match: { source: "sdn", ent_num: NEW_ENT_NUM },
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.json.state).toBe("rejected");
  });

  it("leaves a case that is no longer approved as it is, and drops a malformed message", async () => {
    // Queued while approved, reopened (by another version) before its message arrived: the operator already reviews it.
    const t = await telephonyTenant({ verification: "approved" });
    await api(t.key).put("/v1/verification", caseDetails({ beneficial_owners: [{ ...person(OWNER, "1970-02-02"), ownership_percent: 40 }] }));
    await api(t.key).post("/v1/verification/submit");
    const loaded = await withPostgres(env, (db) => loadSanctionsList(db, "sdn", newSdnVersion));
    const result = await consume([{ type: "sanctions.rescreen", account_id: t.accountId, version_id: loaded.versionId }, { type: "nonsense" } as never]);
    expect(result.explicitAcks).toHaveLength(2);
    const unchanged = await operatorCase(t.accountId);
    expect(unchanged.state).toBe("in_review");
    expect(unchanged.evidence.filter((e: { list_version?: unknown }) => e.list_version)).toEqual([]);
    expect(await accountVerification(t.accountId)).toBe("approved");
    expect(await rescreensOf(t.accountId)).toEqual([expect.objectContaining({ versionId: loaded.versionId, outcome: "not_approved" })]);
  });

  it("does not reopen a case for a match the operator saw and cleared when approving it", async () => {
    // John Doe is on the fixture SDN list (90003), and so on every version of it loaded here.
    const loaded = await withPostgres(env, (db) => loadSanctionsList(db, "sdn", newSdnVersion));
    const t = await approvedTenant("John Doe");
    const cleared = (await operatorCase(t.accountId)).evidence.find((e: { kind: string }) => e.kind === "sanctions_screening");
    expect(cleared.matches).toEqual([expect.objectContaining({ input: "John Doe", ent_num: 90003 })]);
    await consume([{ type: "sanctions.rescreen", account_id: t.accountId, version_id: loaded.versionId }]);
    expect((await operatorCase(t.accountId)).state).toBe("approved");
    expect(await accountVerification(t.accountId)).toBe("approved");
    expect(await rescreensOf(t.accountId)).toEqual([expect.objectContaining({ versionId: loaded.versionId, outcome: "clear" })]);
  });
});
