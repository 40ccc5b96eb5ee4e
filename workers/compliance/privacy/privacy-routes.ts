import { eq } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { retentionPolicies } from "../../../shared/db/privacy-schema.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../../api/route.ts";
import { erasePerson } from "./erasure.ts";
import { exportPerson } from "./person-export.ts";
import { ErasureReceipt, PersonExport, PersonRequest, RetentionPolicy } from "./privacy-schemas.ts";

export const privacyApi = resourceApp();

privacyApi.openapi(
  securedRoute("privacy:write", {
    method: "post",
    path: "/privacy/erasures",
    tags: ["Privacy"],
    summary: "Erase a person by phone number (GDPR/CCPA): transcripts, recordings, analyses, consent history",
    description:
      "Deletes the person's recordings at Twilio, then in one audited batch their calls' transcripts, events and analyses, their consent history and do-not-call entry, and stored webhook payloads and responses naming the number; the call rows stay for billing with the number replaced by its salted hash. A tombstone keeps that hash with the person's do-not-call listing and consent refusals, so outbound calls stay refused. Returns the receipt.",
    request: jsonBody(PersonRequest),
    responses: { 200: jsonResponse(ErasureReceipt, "The receipt: what was removed and what the tombstone keeps.") },
  }),
  async (c) => {
    const { phone } = c.req.valid("json");
    const hash = await c.var.audit.phone(phone);
    // The audit entry names the hash and the counts, never the number.
    const receipt = await erasePerson(c.env, c.get("principal").accountId, phone, hash, (statements, detail) => c.var.audit.commit(statements as [], { resource: hash, detail }));
    return c.json(receipt, 200);
  },
);

privacyApi.openapi(
  securedRoute("privacy:write", {
    method: "post",
    path: "/privacy/exports",
    tags: ["Privacy"],
    summary: "Export everything held about a phone number, as JSON (a data subject access request)",
    description: "Audited (the entry names the number's hash). Transcripts come as stored: redacted where the agent's `pii_redaction` asked for it.",
    request: jsonBody(PersonRequest),
    responses: { 200: jsonResponse(PersonExport, "The person's data.") },
  }),
  async (c) => {
    const { phone } = c.req.valid("json");
    const data = await exportPerson(c.env, c.get("principal").accountId, phone);
    await c.var.audit.commit([], { resource: await c.var.audit.phone(phone), detail: { calls: data.calls.length, consent_records: data.consent_records.length } });
    return c.json(data, 200);
  },
);

const policyView = (row: typeof retentionPolicies.$inferSelect | undefined): RetentionPolicy => ({
  transcripts_days: (row?.transcriptsDays ?? null) as RetentionPolicy["transcripts_days"],
  recordings_days: (row?.recordingsDays ?? null) as RetentionPolicy["recordings_days"],
  call_events_days: (row?.callEventsDays ?? null) as RetentionPolicy["call_events_days"],
  analysis_days: (row?.analysisDays ?? null) as RetentionPolicy["analysis_days"],
});

privacyApi.openapi(
  securedRoute("account:read", {
    method: "get",
    path: "/privacy/retention",
    tags: ["Privacy"],
    summary: "How long the account keeps transcripts, recordings, call events and analyses",
    responses: { 200: jsonResponse(RetentionPolicy, "The policy (null: kept forever, the default).") },
  }),
  async (c) => {
    const row = await database(c.env.DB).select().from(retentionPolicies).where(eq(retentionPolicies.accountId, c.get("principal").accountId)).get();
    return c.json(policyView(row), 200);
  },
);

privacyApi.openapi(
  securedRoute("privacy:write", {
    method: "put",
    path: "/privacy/retention",
    tags: ["Privacy"],
    summary: "Set the retention of transcripts, recordings, call events and analyses (30, 90, 365 days or forever)",
    description: "A daily job deletes what is older than the policy allows, counted from each call's end (or creation, for calls that never ended).",
    request: jsonBody(RetentionPolicy),
    responses: { 200: jsonResponse(RetentionPolicy, "The policy now in force.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const values = { transcriptsDays: body.transcripts_days, recordingsDays: body.recordings_days, callEventsDays: body.call_events_days, analysisDays: body.analysis_days, updatedAt: new Date().toISOString() };
    const db = database(c.env.DB);
    await c.var.audit.commit([db.insert(retentionPolicies).values({ accountId, ...values }).onConflictDoUpdate({ target: retentionPolicies.accountId, set: values })], { resource: "retention", detail: body });
    return c.json(body, 200);
  },
);
