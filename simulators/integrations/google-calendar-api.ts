import { randomBytes } from "node:crypto";
import { OAUTH_SIMULATOR_CLIENTS } from "./oauth-clients.ts";
import { oauthServer, type OAuthServer } from "./oauth-server.ts";
import { parseJson, type VendorAnswer, type VendorHandler, type VendorRequest } from "./recorded-request.ts";

/**
 * Google stand-in: the OAuth 2.0 server (`/o/oauth2/v2/auth` on accounts.google.com, `/token` on
 * oauth2.googleapis.com: one-hour tokens, a refresh token only for `access_type=offline`) and Calendar API v3's
 * `freebusy.query` (`POST /calendar/v3/freeBusy`: timeMin, timeMax and items required) and `events.insert`
 * (`POST /calendar/v3/calendars/{calendarId}/events`: start and end required, each a dateTime or a date, end after
 * start), with Google's error shape and a `401 UNAUTHENTICATED` for a missing, expired or revoked token. Inserted
 * events are busy time in later free/busy answers.
 */
const EVENTS_PATH = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/;

const googleError = (code: number, reason: string, message: string, status = code === 401 ? "UNAUTHENTICATED" : "INVALID_ARGUMENT"): VendorAnswer => ({
  status: code,
  body: { error: { code, message, errors: [{ message, domain: "global", reason }], status } },
});

type When = { dateTime?: string; date?: string; timeZone?: string };
const instant = (when: When) => Date.parse(when.dateTime ?? `${when.date}T00:00:00Z`);

export function googleCalendarApi(): VendorHandler & { oauth: OAuthServer } {
  const events = new Map<string, { id: string; start: When; end: When }[]>();
  const oauth = oauthServer({
    authorizePath: "/o/oauth2/v2/auth",
    tokenPath: "/token",
    client: OAUTH_SIMULATOR_CLIENTS.google_calendar,
    defaultLifetimeS: 3599,
    issuesRefreshToken: (authorize) => authorize.get("access_type") === "offline",
    extraFields: (grant) => ({ scope: grant.scope, token_type: "Bearer" }),
  });

  function body(request: VendorRequest): Record<string, unknown> | undefined {
    const parsed = parseJson(request.rawBody);
    return parsed.ok && typeof parsed.value === "object" && parsed.value !== null && !Array.isArray(parsed.value) ? (parsed.value as Record<string, unknown>) : undefined;
  }

  function freeBusy(request: VendorRequest): VendorAnswer {
    const query = body(request);
    if (!query) return googleError(400, "parseError", "Parse Error");
    for (const field of ["timeMin", "timeMax"]) if (typeof query[field] !== "string" || Number.isNaN(Date.parse(query[field] as string))) return googleError(400, "required", `Missing ${field} parameter.`);
    if (!Array.isArray(query.items)) return googleError(400, "required", "Missing items parameter.");
    const from = Date.parse(query.timeMin as string);
    const to = Date.parse(query.timeMax as string);
    if (to <= from) return googleError(400, "timeRangeEmpty", "The specified time range is empty.");
    const calendars: Record<string, unknown> = {};
    for (const item of query.items as { id?: string }[]) {
      const busy = (events.get(item.id ?? "") ?? []).filter((e) => instant(e.start) < to && instant(e.end) > from).map((e) => ({ start: new Date(instant(e.start)).toISOString(), end: new Date(instant(e.end)).toISOString() }));
      calendars[item.id ?? ""] = { busy };
    }
    return { status: 200, body: { kind: "calendar#freeBusy", timeMin: query.timeMin, timeMax: query.timeMax, calendars } };
  }

  function insert(calendarId: string, request: VendorRequest): VendorAnswer {
    const event = body(request);
    if (!event) return googleError(400, "parseError", "Parse Error");
    for (const field of ["start", "end"] as const) {
      const when = event[field] as When | undefined;
      if (!when || (typeof when.dateTime !== "string" && typeof when.date !== "string")) return googleError(400, "required", `Missing ${field} time.`);
      if (Number.isNaN(instant(when))) return googleError(400, "invalid", `Invalid ${field} time.`);
    }
    const start = event.start as When;
    const end = event.end as When;
    if (instant(end) <= instant(start)) return googleError(400, "timeRangeEmpty", "The specified time range is empty.");
    const id = randomBytes(13).toString("hex");
    events.set(calendarId, [...(events.get(calendarId) ?? []), { id, start, end }]);
    return { status: 200, body: { kind: "calendar#event", id, status: "confirmed", htmlLink: `https://www.google.com/calendar/event?eid=${id}`, summary: event.summary, start, end } };
  }

  return {
    vendor: "google",
    oauth,
    handle(request) {
      const flow = oauth.handle(request);
      if (flow) return flow;
      if (!request.path.startsWith("/calendar/v3/")) return undefined;
      if (!oauth.isAccessToken(request.headers.authorization)) return googleError(401, "authError", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.");
      if (request.method === "POST" && request.path === "/calendar/v3/freeBusy") return freeBusy(request);
      const match = EVENTS_PATH.exec(request.path);
      if (request.method === "POST" && match) return insert(decodeURIComponent(match[1]!), request);
      return googleError(404, "notFound", "Not Found", "NOT_FOUND");
    },
  };
}
