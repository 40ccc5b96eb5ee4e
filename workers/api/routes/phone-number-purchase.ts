import { z } from "@hono/zod-openapi";
import { database, nowIso } from "../../../shared/db/client.ts";
import { phoneNumbers } from "../../../shared/db/schema.ts";
import { newPhoneNumberId } from "../../../shared/ids.ts";
import { zE164 } from "../../../shared/phone/e164.ts";
import { invalidateNumberRoute } from "../../services/number-routing.ts";
import { platformWebhooks, providerProblem, tenantTwilio } from "../../services/number-webhooks.ts";
import { publicBaseUrl } from "../../twilio/public-url.ts";
import { ApiError } from "../problem.ts";
import { jsonBody, jsonResponse, resourceApp, securedRoute } from "../route.ts";

const SearchNumbers = z
  .object({
    country: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166 country code such as US").default("US"),
    area_code: z.string().regex(/^\d{3}$/).optional(),
    contains: z.string().regex(/^[0-9*]{2,10}$/).optional(),
    limit: z.number().int().min(1).max(30).default(10),
  })
  .strict()
  .openapi("SearchPhoneNumbers");

const AvailableNumber = z
  .object({ e164: z.string(), locality: z.string().nullable(), region: z.string().nullable(), country: z.string().nullable() })
  .openapi("AvailablePhoneNumber");

const BuyNumber = z
  .object({ e164: zE164.openapi({ description: "A number from the search; assign it to an agent with PATCH /v1/phone-numbers/{id}." }) })
  .strict()
  .openapi("BuyPhoneNumber");

export const phoneNumberPurchaseApi = resourceApp();

phoneNumberPurchaseApi.openapi(
  securedRoute("numbers:write", {
    method: "post",
    path: "/phone-numbers/search",
    tags: ["Phone numbers"],
    summary: "Search numbers available to buy on the account's Twilio",
    request: jsonBody(SearchNumbers),
    responses: { 200: jsonResponse(z.object({ data: z.array(AvailableNumber) }).openapi("AvailablePhoneNumbers"), "Numbers that can be bought now.") },
  }),
  async (c) => {
    const q = c.req.valid("json");
    const twilio = await tenantTwilio(c.env, c.get("principal").accountId);
    const found = await twilio.searchNumbers(q.country, { areaCode: q.area_code, contains: q.contains, limit: q.limit }).catch((err) => providerProblem(err, "search numbers"));
    return c.json({ data: found.map((n) => ({ e164: n.phone_number, locality: n.locality ?? null, region: n.region ?? null, country: n.iso_country ?? null })) }, 200);
  },
);

phoneNumberPurchaseApi.openapi(
  securedRoute("numbers:write", {
    method: "post",
    path: "/phone-numbers/buy",
    tags: ["Phone numbers"],
    summary: "Buy a number on the account's Twilio, with its webhooks pointed at the platform",
    request: jsonBody(BuyNumber),
    responses: { 201: jsonResponse(z.object({ id: z.string(), e164: z.string(), provider_sid: z.string() }).openapi("BoughtPhoneNumber"), "The number, active.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const accountId = c.get("principal").accountId;
    const twilio = await tenantTwilio(c.env, accountId);
    const hooks = platformWebhooks(publicBaseUrl(c.env, c.req.raw));
    const bought = await twilio.buyNumber(input.e164, hooks.voiceUrl, hooks.statusCallback).catch((err) => providerProblem(err, "sell this number"));
    const now = nowIso();
    const row = await database(c.env.DB)
      .insert(phoneNumbers)
      .values({ id: newPhoneNumberId(), accountId, e164: bought.phone_number, source: "twilio", providerSid: bought.sid, agentId: null, createdAt: now, updatedAt: now })
      .onConflictDoNothing()
      .returning()
      .get();
    if (!row) throw new ApiError("conflict", `${bought.phone_number} was bought at Twilio (${bought.sid}) but is active on another account here; release it there`);
    await invalidateNumberRoute(c.env, row.e164);
    c.set("auditResource", row.id);
    return c.json({ id: row.id, e164: row.e164, provider_sid: bought.sid }, 201);
  },
);
