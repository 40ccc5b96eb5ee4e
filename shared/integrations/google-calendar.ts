import { z } from "zod";
import { defineAction, IntegrationError, type ActionContext, type Integration } from "./integration.ts";
import { vendorRequest } from "./vendor-request.ts";

/**
 * Google Calendar API v3 (https://developers.google.com/calendar/api/v3/reference): `freebusy.query`
 * (`POST /calendar/v3/freeBusy`) and `events.insert` (`POST /calendar/v3/calendars/{calendarId}/events`), with an
 * OAuth access token as a Bearer token. Google gives a refresh token only for `access_type=offline`, and again on a
 * later consent only with `prompt=consent`.
 */
async function calendar(ctx: ActionContext, path: string, body: unknown): Promise<unknown> {
  if (!("access_token" in ctx.credentials)) throw new IntegrationError("Google Calendar is not connected", false);
  return vendorRequest(ctx.fetch, `${ctx.baseUrl}/calendar/v3${path}`, {
    vendor: "Google Calendar",
    method: "POST",
    headers: { authorization: `Bearer ${ctx.credentials.access_token}`, "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    signal: ctx.signal,
  });
}

const Instant = z.string().datetime({ offset: true });
const CalendarId = z.string().min(1).max(254).default("primary").describe("A calendar id (an email address), or `primary`.");
const Interval = z.object({ start: z.string(), end: z.string() });

const freeBusy = defineAction({
  description: "List the busy intervals of a Google calendar between two instants.",
  input: z.object({
    calendar_id: CalendarId,
    time_min: Instant.describe("Start of the window (RFC 3339 with offset)."),
    time_max: Instant.describe("End of the window (RFC 3339 with offset)."),
    time_zone: z.string().max(64).default("UTC").describe("IANA time zone the answer is given in."),
  }),
  output: z.object({ busy: z.array(Interval).describe("Busy intervals, earliest first.") }),
  async run(input, ctx) {
    const body = { timeMin: input.time_min, timeMax: input.time_max, timeZone: input.time_zone, items: [{ id: input.calendar_id }] };
    const answer = z
      .object({ calendars: z.record(z.string(), z.object({ busy: z.array(Interval).default([]), errors: z.array(z.object({ reason: z.string() })).optional() })) })
      .safeParse(await calendar(ctx, "/freeBusy", body));
    if (!answer.success) throw new IntegrationError("Google Calendar answered with an unexpected body", false);
    const entry = answer.data.calendars[input.calendar_id];
    if (!entry) throw new IntegrationError("Google Calendar did not answer for this calendar", false);
    if (entry.errors?.length) throw new IntegrationError(`Google Calendar could not read this calendar: ${entry.errors.map((e) => e.reason).join(", ")}`, false);
    return { busy: [...entry.busy].sort((a, b) => Date.parse(a.start) - Date.parse(b.start)) };
  },
});

const insertEvent = defineAction({
  description: "Create an event (e.g. an appointment) in a Google calendar, optionally inviting attendees.",
  input: z
    .object({
      calendar_id: CalendarId,
      summary: z.string().min(1).max(1024).describe("The event's title."),
      description: z.string().max(8192).optional(),
      start: Instant,
      end: Instant,
      time_zone: z.string().max(64).default("UTC"),
      attendees: z.array(z.string().email().max(254)).max(50).default([]).describe("Email addresses to invite."),
      send_updates: z.enum(["all", "externalOnly", "none"]).default("none").describe("Whether Google emails the attendees."),
    })
    .refine((e) => Date.parse(e.end) > Date.parse(e.start), { message: "end must be after start", path: ["end"] }),
  output: z.object({ event_id: z.string(), status: z.string() }),
  async run(input, ctx) {
    const body = {
      summary: input.summary,
      ...(input.description !== undefined && { description: input.description }),
      start: { dateTime: input.start, timeZone: input.time_zone },
      end: { dateTime: input.end, timeZone: input.time_zone },
      ...(input.attendees.length > 0 && { attendees: input.attendees.map((email) => ({ email })) }),
    };
    const path = `/calendars/${encodeURIComponent(input.calendar_id)}/events?sendUpdates=${input.send_updates}`;
    const answer = z.object({ id: z.string(), status: z.string() }).safeParse(await calendar(ctx, path, body));
    if (!answer.success) throw new IntegrationError("Google Calendar answered with an unexpected body", false);
    return { event_id: answer.data.id, status: answer.data.status };
  },
});

export const googleCalendarIntegration: Integration = {
  name: "google_calendar",
  title: "Google Calendar",
  auth: { kind: "oauth2" },
  baseUrlVar: "GOOGLE_CALENDAR_API_BASE_URL",
  oauth: {
    authorize: { baseUrlVar: "GOOGLE_ACCOUNTS_BASE_URL", path: "/o/oauth2/v2/auth" },
    token: { baseUrlVar: "GOOGLE_OAUTH_TOKEN_BASE_URL", path: "/token" },
    scopes: ["https://www.googleapis.com/auth/calendar.events", "https://www.googleapis.com/auth/calendar.freebusy"],
    authorizeParams: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
  },
  actions: { free_busy: freeBusy, insert_event: insertEvent },
};
