import { parseJson, type VendorAnswer, type VendorHandler } from "./recorded-request.ts";

/**
 * Cal.com API v2 stand-in (https://cal.com/docs/api-reference/v2): `GET /v2/slots` (cal-api-version 2024-09-04)
 * and `POST /v2/bookings` (2024-08-13), with Cal.com's checks: a Bearer API key, the version header each endpoint
 * pins, eventTypeId/start/end on slots, start/eventTypeId/attendee {name, email, timeZone} on bookings, and a
 * start that is still free. Every event type is open 09:00–17:00 UTC in 30-minute slots.
 */
export const CALCOM_SIMULATOR_API_KEY = "cal_test_simulator";
const SLOT_MINUTES = 30;

const error = (status: number, message: string): VendorAnswer => ({ status, body: { status: "error", timestamp: new Date().toISOString(), path: "", error: { code: status === 401 ? "UnauthorizedException" : "BadRequestException", message } } });

export function calcomApi(): VendorHandler {
  const booked = new Map<string, { id: number; uid: string }>();
  let nextId = 5001;

  const daySlots = (day: string) => {
    const starts: string[] = [];
    for (let minutes = 9 * 60; minutes < 17 * 60; minutes += SLOT_MINUTES) {
      starts.push(new Date(Date.parse(`${day}T00:00:00Z`) + minutes * 60_000).toISOString());
    }
    return starts;
  };

  return {
    vendor: "calcom",
    handle(request) {
      if (!request.path.startsWith("/v2/")) return undefined;
      if (request.headers.authorization !== `Bearer ${CALCOM_SIMULATOR_API_KEY}`) return error(401, "Invalid Access Token.");
      if (request.path === "/v2/slots" && request.method === "GET") {
        if (request.headers["cal-api-version"] !== "2024-09-04") return error(400, "cal-api-version 2024-09-04 is required for /v2/slots");
        const eventTypeId = request.query.get("eventTypeId");
        const start = request.query.get("start");
        const end = request.query.get("end");
        if (!eventTypeId || !/^\d+$/.test(eventTypeId) || !start || !end) return error(400, "eventTypeId, start and end are required");
        const data: Record<string, { start: string }[]> = {};
        for (let day = Date.parse(start.slice(0, 10)); day <= Date.parse(end.slice(0, 10)); day += 86_400_000) {
          const date = new Date(day).toISOString().slice(0, 10);
          data[date] = daySlots(date).filter((s) => !booked.has(`${eventTypeId}:${s}`)).map((s) => ({ start: s }));
        }
        return { status: 200, body: { status: "success", data } };
      }
      if (request.path === "/v2/bookings" && request.method === "POST") {
        if (request.headers["cal-api-version"] !== "2024-08-13") return error(400, "cal-api-version 2024-08-13 is required for /v2/bookings");
        const parsed = parseJson(request.rawBody);
        const body = (parsed.ok ? parsed.value : null) as { start?: string; eventTypeId?: number; attendee?: { name?: string; email?: string; timeZone?: string } } | null;
        if (!body || typeof body.start !== "string" || typeof body.eventTypeId !== "number") return error(400, "start and eventTypeId are required");
        if (!body.attendee?.name || !body.attendee.email || !body.attendee.timeZone) return error(400, "attendee.name, attendee.email and attendee.timeZone are required");
        const start = new Date(body.start).toISOString();
        const key = `${body.eventTypeId}:${start}`;
        if (!daySlots(start.slice(0, 10)).includes(start) || booked.has(key)) return error(400, "User either already has booking at this time or is not available");
        const booking = { id: nextId++, uid: crypto.randomUUID().replaceAll("-", "").slice(0, 22) };
        booked.set(key, booking);
        const end = new Date(Date.parse(start) + SLOT_MINUTES * 60_000).toISOString();
        return { status: 201, body: { status: "success", data: { ...booking, title: "Meeting", status: "accepted", start, end, duration: SLOT_MINUTES, eventTypeId: body.eventTypeId, attendees: [body.attendee] } } };
      }
      return error(404, `Cannot ${request.method} ${request.path}`);
    },
  };
}
