import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { database, nowIso } from "../../../shared/db/client.ts";
import { consentRecords } from "../../../shared/db/schema.ts";
import { newConsentId, withFreshId } from "../../../shared/ids.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import type { AppEnv } from "../app-env.ts";
import { checkConsent, CONSENT_REASONS, type ConsentRecordRow } from "../../../shared/calls/consent-check.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";

const ConsentType = z.enum(consentRecords.consentType.enumValues);
const Source = z.string().trim().min(1).max(200).openapi({ description: "Where the consent was captured.", example: "web_form:signup" });
const Timestamp = z.iso.datetime({ offset: true, error: "an ISO 8601 date-time with a time zone, e.g. 2026-05-01T14:30:00Z" });

const Consent = z
  .object({
    id: z.string().openapi({ example: "CNS-7KQ2M9XD4H" }),
    phone: z.string().openapi({ example: "+14155550100" }),
    consent_type: ConsentType,
    status: z.enum(consentRecords.status.enumValues),
    source: z.string(),
    captured_at: z.string(),
    expires_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Consent");

const RecordConsent = z
  .object({
    phone: zE164,
    consent_type: ConsentType,
    status: z.enum(consentRecords.status.enumValues).default("opted_in"),
    source: Source,
    captured_at: Timestamp.optional().openapi({ description: "When the person gave or withdrew consent; defaults to now, never in the future." }),
    expires_at: Timestamp.optional().openapi({ description: "When an opt-in lapses; after `captured_at`." }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const now = Date.now();
    const captured = body.captured_at ? Date.parse(body.captured_at) : now;
    // A future capture would outrank a revocation recorded before that moment: the newest record is in force.
    if (captured > now) ctx.addIssue({ code: "custom", path: ["captured_at"], message: `must not be in the future (server time ${new Date(now).toISOString()})` });
    if (body.expires_at && Date.parse(body.expires_at) <= captured) ctx.addIssue({ code: "custom", path: ["expires_at"], message: "must be after captured_at" });
    if (body.expires_at && body.status === "opted_out") ctx.addIssue({ code: "custom", path: ["expires_at"], message: "only an opt-in can expire; omit expires_at" });
  })
  .openapi("RecordConsent");

const RevokeConsent = z.object({ phone: zE164, consent_type: ConsentType, source: Source }).strict().openapi("RevokeConsent");

const ConsentCheck = z
  .object({
    allowed: z.boolean(),
    reason: z.enum(CONSENT_REASONS).openapi({ description: "`do_not_call` wins over any consent; otherwise the state of the record in force." }),
    record: Consent.nullable().openapi({ description: "The record in force, if any." }),
  })
  .openapi("ConsentCheck");

const consentView = (r: ConsentRecordRow): z.infer<typeof Consent> => ({
  id: r.id,
  phone: r.phone,
  consent_type: r.consentType,
  status: r.status,
  source: r.source,
  captured_at: r.capturedAt,
  expires_at: r.expiresAt,
  created_at: r.createdAt,
});

// Stored in one UTC form so that timestamps compare as strings.
const utc = (timestamp: string) => new Date(timestamp).toISOString();

/** Records are only ever appended: the history is the evidence of what the person agreed to, and when. */
async function appendConsent(c: Context<AppEnv>, record: Pick<ConsentRecordRow, "phone" | "consentType" | "status" | "source" | "capturedAt" | "expiresAt">) {
  const accountId = c.get("principal").accountId;
  const db = database(c.env.DB);
  // The entry names the record, not the phone number: erasing the person later changes the record, never the chain.
  const row = await withFreshId(newConsentId, async (id) => {
    const [[created]] = await c.var.audit.commit([db.insert(consentRecords).values({ id, accountId, ...record, createdAt: nowIso() }).returning()], { resource: id });
    return created!;
  });
  return consentView(row);
}

export const consentApi = resourceApp();

consentApi.openapi(
  securedRoute("consent:read", {
    method: "get",
    path: "/consent",
    tags: ["Consent"],
    summary: "List consent records (the full history), newest first",
    request: { query: PageQuery.extend({ phone: zE164.optional(), consent_type: ConsentType.optional() }) },
    responses: { 200: jsonResponse(pageOf(Consent, "ConsentPage"), "A page of consent records.") },
  }),
  async (c) => {
    const { limit, cursor, phone, consent_type } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(consentRecords)
      .where(
        and(
          eq(consentRecords.accountId, c.get("principal").accountId),
          phone ? eq(consentRecords.phone, phone) : undefined,
          consent_type ? eq(consentRecords.consentType, consent_type) : undefined,
          afterCursor(cursor, consentRecords.createdAt, consentRecords.id),
        ),
      )
      .orderBy(...pageOrder(consentRecords.createdAt, consentRecords.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, consentView), 200);
  },
);

consentApi.openapi(
  securedRoute("consent:write", {
    method: "post",
    path: "/consent",
    tags: ["Consent"],
    summary: "Record that a person opted in to (or out of) a kind of contact",
    request: jsonBody(RecordConsent),
    responses: { 201: jsonResponse(Consent, "The recorded consent.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const record = await appendConsent(c, {
      phone: body.phone,
      consentType: body.consent_type,
      status: body.status,
      source: body.source,
      capturedAt: body.captured_at ? utc(body.captured_at) : nowIso(),
      expiresAt: body.expires_at ? utc(body.expires_at) : null,
    });
    return c.json(record, 201);
  },
);

consentApi.openapi(
  securedRoute("consent:write", {
    method: "post",
    path: "/consent/revoke",
    tags: ["Consent"],
    summary: "Revoke consent: appends an opt-out captured now, which takes precedence over earlier records",
    request: jsonBody(RevokeConsent),
    responses: { 201: jsonResponse(Consent, "The opt-out record.") },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const record = await appendConsent(c, { phone: body.phone, consentType: body.consent_type, status: "opted_out", source: body.source, capturedAt: nowIso(), expiresAt: null });
    return c.json(record, 201);
  },
);

consentApi.openapi(
  securedRoute("consent:read", {
    method: "get",
    path: "/consent/check",
    tags: ["Consent"],
    summary: "May the account contact this number for this purpose now? (the check outbound calls make)",
    request: { query: z.object({ phone: zE164, consent_type: ConsentType }) },
    responses: { 200: jsonResponse(ConsentCheck, "The decision and the record it rests on.") },
  }),
  async (c) => {
    const { phone, consent_type } = c.req.valid("query");
    const decision = await checkConsent(database(c.env.DB), c.get("principal").accountId, phone, consent_type, new Date());
    return c.json({ allowed: decision.allowed, reason: decision.reason, record: decision.record && consentView(decision.record) }, 200);
  },
);
