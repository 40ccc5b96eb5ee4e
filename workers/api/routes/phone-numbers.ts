import { refuseSecondNumberOnTrial } from "../../compliance/trial/trial-guards.ts";
import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database, nowIso, type Database } from "../../../shared/db/client.ts";
import { agents, phoneNumbers } from "../../../shared/db/schema.ts";
import { ID_PATTERNS, newPhoneNumberId } from "../../../shared/ids.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import { commitNumberChange } from "../../services/number-routing.ts";
import { buyTwilioNumber, pointTwilioNumber, twilioNumberSid } from "../../services/number-webhooks.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { afterCursor, PageQuery, pageOf, pageOrder, toPage } from "../pagination.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, jsonBody, jsonResponse, Problem, resourceApp, securedRoute } from "../route.ts";

const AgentId = z.string().regex(ID_PATTERNS.agent, "not a valid agent id").openapi({ example: "AGT-7KQ2M9XD4H" });

const PhoneNumber = z
  .object({
    id: z.string().openapi({ example: "PN-7KQ2M9XD4H" }),
    e164: z.string().openapi({ example: "+14155550100" }),
    source: z.enum(phoneNumbers.source.enumValues),
    agent_id: z.string().nullable().openapi({ description: "The agent that answers calls to this number; null when unassigned." }),
    status: z.enum(phoneNumbers.status.enumValues),
    provider_sid: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("PhoneNumber");

const CreatePhoneNumber = z
  .object({
    e164: zE164.openapi({ description: "The number. To buy, pick one from POST /v1/phone-numbers/search." }),
    source: z
      .enum(phoneNumbers.source.enumValues)
      .optional()
      .openapi({
        description:
          "Omit to buy `e164` on the account's Twilio, with its Voice URL and status callback set to the platform. Set it to import a number the account already has instead: `twilio`, a number on the account's Twilio (found by its phone number; its Voice URL and status callback are re-pointed at the platform); `sip`, a number that reaches the platform over a SIP domain or trunk (nothing at Twilio is changed).",
      }),
    provider_sid: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Only with `source`. For `twilio`, Twilio's `PN…` SID, checked against `e164` (optional: the number is found by its phone number); for `sip`, the trunk or domain id, stored as given." }),
    agent_id: AgentId.optional(),
  })
  .strict()
  .refine((b) => b.source !== undefined || b.provider_sid === undefined, { message: "provider_sid is only for an import; add source, or omit provider_sid to buy", path: ["provider_sid"] })
  .openapi("CreatePhoneNumber");

const UpdatePhoneNumber = z
  .object({ agent_id: AgentId.nullable().openapi({ description: "The agent to route calls to; null unassigns." }) })
  .strict()
  .openapi("UpdatePhoneNumber");

type PhoneNumberRow = typeof phoneNumbers.$inferSelect;
const phoneNumberView = (n: PhoneNumberRow): z.infer<typeof PhoneNumber> => ({
  id: n.id,
  e164: n.e164,
  source: n.source,
  agent_id: n.agentId,
  status: n.status,
  provider_sid: n.providerSid,
  created_at: n.createdAt,
  updated_at: n.updatedAt,
});

const conflictResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: Problem } } });

const numberParams = IdParam(ID_PATTERNS.phoneNumber, "PN-7KQ2M9XD4H");

async function ownNumber(db: Database, accountId: string, id: string): Promise<PhoneNumberRow> {
  const row = await db.select().from(phoneNumbers).where(and(eq(phoneNumbers.id, id), eq(phoneNumbers.accountId, accountId))).get();
  if (!row) throw notFound("phone number");
  return row;
}

/** Calls may only be routed to an active agent of the number's own account; another tenant's agent looks absent. */
async function assertAssignable(db: Database, accountId: string, agentId: string): Promise<void> {
  const agent = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.accountId, accountId), eq(agents.status, "active")))
    .get();
  if (!agent) {
    throw new ApiError("validation-error", "agent_id must name an active agent of this account", {
      errors: [{ path: "agent_id", message: "no active agent with this id in the account (missing or archived)" }],
    });
  }
}

export const phoneNumbersApi = resourceApp();

phoneNumbersApi.openapi(
  securedRoute("numbers:read", {
    method: "get",
    path: "/phone-numbers",
    tags: ["Phone numbers"],
    summary: "List phone numbers, newest first",
    request: { query: PageQuery.extend({ agent_id: AgentId.optional(), status: z.enum(phoneNumbers.status.enumValues).optional() }) },
    responses: { 200: jsonResponse(pageOf(PhoneNumber, "PhoneNumberPage"), "A page of phone numbers.") },
  }),
  async (c) => {
    const { limit, cursor, agent_id, status } = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(phoneNumbers)
      .where(
        and(
          eq(phoneNumbers.accountId, c.get("principal").accountId),
          agent_id ? eq(phoneNumbers.agentId, agent_id) : undefined,
          status ? eq(phoneNumbers.status, status) : undefined,
          afterCursor(cursor, phoneNumbers.createdAt, phoneNumbers.id),
        ),
      )
      .orderBy(...pageOrder(phoneNumbers.createdAt, phoneNumbers.id))
      .limit(limit + 1)
      .all();
    return c.json(toPage(rows, limit, phoneNumberView), 200);
  },
);

phoneNumbersApi.openapi(
  securedRoute("numbers:write", {
    method: "post",
    path: "/phone-numbers",
    tags: ["Phone numbers"],
    summary: "Buy a number through the account's Twilio, or import one it already has (Twilio or SIP), optionally assigning an agent",
    description:
      "Without `source`, buys `e164` on the account's Twilio (IncomingPhoneNumbers) with its webhooks pointed at the platform. With `source`, imports an existing number; a Twilio number is re-pointed at the platform. Twilio's refusals come back as `provider-error` with `twilio_code`; nothing is recorded then. An account on trial holds one number: a second is refused with 403 `verification-required`.",
    request: jsonBody(CreatePhoneNumber),
    responses: {
      201: jsonResponse(PhoneNumber, "The bought or imported number, active."),
      409: conflictResponse("The number is already active on an account."),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    if (input.agent_id) await assertAssignable(db, accountId, input.agent_id);
    await refuseSecondNumberOnTrial(db, accountId);
    // A Twilio number is bought or re-pointed before it is recorded, so a number Twilio refuses is never recorded
    // half-way.
    const base = publicBaseUrl(c.env, c.req.raw);
    let providerSid = input.provider_sid;
    if (input.source === undefined) {
      providerSid = await buyTwilioNumber(c.env, accountId, input.e164, base);
    } else if (input.source === "twilio") {
      providerSid = await twilioNumberSid(c.env, accountId, input.e164, input.provider_sid);
      await pointTwilioNumber(c.env, accountId, providerSid, base);
    }
    const now = nowIso();
    // The partial unique index (one active row per number) settles races between accounts importing the same
    // number. SQLite's upsert target cannot name a partial index through drizzle, so any conflict does nothing; a
    // collision of the random id instead (one in 30^10) would read as a 409 that a retry clears.
    const id = newPhoneNumberId();
    const [[row]] = await commitNumberChange(c.env, input.e164, () =>
      c.var.audit.commit(
        [
          db
            .insert(phoneNumbers)
            .values({ id, accountId, e164: input.e164, source: input.source ?? "twilio", providerSid, agentId: input.agent_id, createdAt: now, updatedAt: now })
            .onConflictDoNothing()
            .returning(),
        ],
        { resource: id, ifChanged: true },
      ),
    );
    if (!row) {
      const mine = await db
        .select({ id: phoneNumbers.id })
        .from(phoneNumbers)
        .where(and(eq(phoneNumbers.e164, input.e164), eq(phoneNumbers.status, "active"), eq(phoneNumbers.accountId, accountId)))
        .get();
      throw new ApiError(
        "conflict",
        mine ? `${input.e164} is already imported as ${mine.id}` : `${input.e164} is active on another account; it must be released there first`,
      );
    }
    return c.json(phoneNumberView(row), 201);
  },
);

phoneNumbersApi.openapi(
  securedRoute("numbers:read", {
    method: "get",
    path: "/phone-numbers/{id}",
    tags: ["Phone numbers"],
    summary: "Get a phone number",
    request: { params: numberParams },
    responses: { 200: jsonResponse(PhoneNumber, "The phone number.") },
  }),
  async (c) => {
    const row = await ownNumber(database(c.env.DB), c.get("principal").accountId, c.req.valid("param").id);
    return c.json(phoneNumberView(row), 200);
  },
);

phoneNumbersApi.openapi(
  securedRoute("numbers:write", {
    method: "patch",
    path: "/phone-numbers/{id}",
    tags: ["Phone numbers"],
    summary: "Assign the number to an agent, or unassign it",
    request: { params: numberParams, ...jsonBody(UpdatePhoneNumber) },
    responses: {
      200: jsonResponse(PhoneNumber, "The updated number."),
      409: conflictResponse("The number was released."),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { agent_id } = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const db = database(c.env.DB);
    const current = await ownNumber(db, accountId, id);
    if (agent_id) await assertAssignable(db, accountId, agent_id);
    const [[row]] = await commitNumberChange(c.env, current.e164, () =>
      c.var.audit.commit([db.update(phoneNumbers).set({ agentId: agent_id, updatedAt: nowIso() }).where(and(eq(phoneNumbers.id, id), eq(phoneNumbers.status, "active"))).returning()], {
        ifChanged: true,
      }),
    );
    if (!row) throw new ApiError("conflict", "the number was released; import it again to route calls to it");
    return c.json(phoneNumberView(row), 200);
  },
);

phoneNumbersApi.openapi(
  securedRoute("numbers:write", {
    method: "delete",
    path: "/phone-numbers/{id}",
    tags: ["Phone numbers"],
    summary: "Release a number: it stops routing calls and is kept, released, for the call history",
    request: { params: numberParams },
    responses: { 200: jsonResponse(PhoneNumber, "The released number.") },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const db = database(c.env.DB);
    const current = await ownNumber(db, c.get("principal").accountId, id);
    // Releasing twice is harmless: the second time changes nothing and returns the released number.
    if (current.status === "released") {
      await c.var.audit.commit([]);
      return c.json(phoneNumberView(current), 200);
    }
    // Released here whatever Twilio says: a number still pointing at the platform only hears "not in service".
    // Un-pointed first, so that the audit entry, committed with the release, records whether Twilio agreed.
    let detail: Record<string, unknown> | undefined;
    if (current.source === "twilio" && current.providerSid) {
      await pointTwilioNumber(c.env, current.accountId, current.providerSid, null).catch((err: Error) => (detail = { unpoint_error: err.message }));
    }
    const [[row]] = await commitNumberChange(c.env, current.e164, () =>
      c.var.audit.commit([db.update(phoneNumbers).set({ status: "released", agentId: null, updatedAt: nowIso() }).where(eq(phoneNumbers.id, id)).returning()], { detail }),
    );
    return c.json(phoneNumberView(row!), 200);
  },
);
