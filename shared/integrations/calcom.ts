import { z } from "zod";
import { defineAction, IntegrationError, type ActionContext, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * Cal.com API v2 (https://cal.com/docs/api-reference/v2): available slots of an event type, and a booking. Each
 * endpoint is pinned by its `cal-api-version` header, as Cal.com requires; the API key is a Bearer token.
 */
const SLOTS_VERSION = "2024-09-04";
const BOOKINGS_VERSION = "2024-08-13";
const MAX_SLOTS = 50;

async function calcom(ctx: ActionContext, version: string, method: string, path: string, body?: unknown): Promise<unknown> {
  if (!("api_key" in ctx.credentials)) throw new IntegrationError("Cal.com is not connected", false);
  return vendorRequest(ctx.fetch, `${ctx.baseUrl}${path}`, {
    vendor: "Cal.com",
    method,
    headers: { authorization: `Bearer ${ctx.credentials.api_key}`, "cal-api-version": version, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: ctx.signal,
  });
}

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD");

const availableSlots = defineAction({
  description: "List the start times that can be booked for a Cal.com event type between two dates.",
  input: z.object({
    event_type_id: z.coerce.number().int().positive(),
    start: Day.describe("First day (YYYY-MM-DD)."),
    end: Day.describe("Last day (YYYY-MM-DD)."),
    time_zone: z.string().max(64).default("UTC").describe("IANA time zone the slots are given in."),
  }),
  output: z.object({ slots: z.array(z.string()).describe("Bookable start times (ISO 8601 with offset), earliest first.") }),
  async run(input, ctx) {
    const query = new URLSearchParams({ eventTypeId: String(input.event_type_id), start: input.start, end: input.end, timeZone: input.time_zone });
    const answer = z.object({ data: z.record(z.string(), z.array(z.object({ start: z.string() }))) }).safeParse(await calcom(ctx, SLOTS_VERSION, "GET", `/v2/slots?${query}`));
    if (!answer.success) throw new IntegrationError("Cal.com answered with an unexpected body", false);
    const slots = Object.values(answer.data.data).flat().map((s) => s.start);
    return { slots: slots.sort().slice(0, MAX_SLOTS) };
  },
});

const book = defineAction({
  description: "Book a Cal.com event type at one of its available start times for the caller.",
  input: z.object({
    event_type_id: z.coerce.number().int().positive(),
    start: z.string().datetime({ offset: true }).describe("A start time from the available slots."),
    name: z.string().min(1).max(200).describe("The attendee's name."),
    email: z.string().email().max(254).describe("The attendee's email address."),
    time_zone: z.string().max(64).default("UTC"),
    phone_number: z.string().max(40).optional(),
  }),
  output: z.object({ booking_id: z.number().int(), booking_uid: z.string(), start: z.string(), status: z.string() }),
  async run(input, ctx) {
    const body = {
      start: new Date(input.start).toISOString(),
      eventTypeId: input.event_type_id,
      attendee: { name: input.name, email: input.email, timeZone: input.time_zone, ...(input.phone_number ? { phoneNumber: input.phone_number } : {}) },
    };
    const answer = z.object({ data: z.object({ id: z.number().int(), uid: z.string(), start: z.string(), status: z.string() }) }).safeParse(await calcom(ctx, BOOKINGS_VERSION, "POST", "/v2/bookings", body));
    if (!answer.success) throw new IntegrationError("Cal.com answered with an unexpected body", false);
    return { booking_id: answer.data.data.id, booking_uid: answer.data.data.uid, start: answer.data.data.start, status: answer.data.data.status };
  },
});

export const calcomIntegration: Integration = {
  name: "calcom",
  title: "Cal.com",
  auth: { kind: "api_key", description: "A Cal.com API key (cal_live_…), sent as a Bearer token." },
  baseUrlVar: "CALCOM_API_BASE_URL",
  actions: { available_slots: availableSlots, book },
};
