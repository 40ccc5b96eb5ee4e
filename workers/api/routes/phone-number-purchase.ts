import { z } from "@hono/zod-openapi";
import { providerProblem, tenantTwilio } from "../../services/number-webhooks.ts";
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

export const phoneNumberPurchaseApi = resourceApp();

phoneNumberPurchaseApi.openapi(
  securedRoute("numbers:write", {
    method: "post",
    path: "/phone-numbers/search",
    tags: ["Phone numbers"],
    summary: "Search numbers available to buy on the account's Twilio",
    description: "Buy one with POST /v1/phone-numbers `{e164}`.",
    request: jsonBody(SearchNumbers),
    responses: { 200: jsonResponse(z.object({ data: z.array(AvailableNumber) }).openapi("AvailablePhoneNumbers"), "Numbers that can be bought now.") },
  }),
  async (c) => {
    const q = c.req.valid("json");
    const twilio = await tenantTwilio(c.env, c.get("principal").accountId);
    const found = await twilio.searchNumbers(q.country, { areaCode: q.area_code, contains: q.contains, limit: q.limit }).catch((err) => providerProblem(err, "search numbers"));
    await c.var.audit.commit([]);
    return c.json({ data: found.map((n) => ({ e164: n.phone_number, locality: n.locality ?? null, region: n.region ?? null, country: n.iso_country ?? null })) }, 200);
  },
);
