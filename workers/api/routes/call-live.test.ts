import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, request } from "../../../test/workers/api-client.ts";
import { liveCall, telephonyTenant } from "../../../test/workers/telephony-fixtures.ts";

const open = (callId: string, ticket?: string) => exports.default.fetch(new Request(`https://api.test/v1/calls/${callId}/live${ticket ? `?ticket=${encodeURIComponent(ticket)}` : ""}`));

async function expectRefused(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(((await res.json()) as { type: string }).type).toMatch(/\/unauthenticated$/);
}

describe("live transcript tickets", () => {
  it("opens the event stream once per ticket, only for the call it was issued for", async () => {
    const t = await telephonyTenant();
    const callId = await liveCall(t);
    const other = await liveCall(t);
    const issued = await api(t.key).post(`/v1/calls/${callId}/live-ticket`);
    expect(issued.status).toBe(201);
    expect(Date.parse(issued.json.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);

    await expectRefused(await open(other, issued.json.ticket));
    const live = await open(callId, issued.json.ticket);
    expect(live.status).toBe(200);
    expect(live.headers.get("content-type")).toBe("text/event-stream");
    // The handler builds this response itself, so CORS, the request id and the secure headers are added after it.
    expect(live.headers.get("access-control-allow-origin")).toBe("*");
    expect(live.headers.get("access-control-expose-headers")?.split(",")).toEqual(["x-request-id", "idempotent-replayed"]);
    expect(live.headers.get("x-request-id")).toMatch(/^[\w-]{8,}$/);
    expect(live.headers.get("x-content-type-options")).toBe("nosniff");
    await live.body!.cancel();
    await expectRefused(await open(callId, issued.json.ticket));
    await expectRefused(await open(callId));
    await expectRefused(await open(callId, "lt_guessed"));
  });

  it("issues no ticket for an ended call (409) or another tenant's (404)", async () => {
    const t = await telephonyTenant();
    const ended = await liveCall(t, "completed");
    const res = await request("POST", `/v1/calls/${ended}/live-ticket`, { key: t.key });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const stranger = await telephonyTenant();
    expect((await request("POST", `/v1/calls/${await liveCall(t)}/live-ticket`, { key: stranger.key })).status).toBe(404);
  });
});

describe("GET /v1/calls/{id}/recording", () => {
  it("answers problem+json when the call has no recording (404) or it has not completed (409)", async () => {
    const t = await telephonyTenant();
    const unrecorded = await liveCall(t, "completed");
    const none = await request("GET", `/v1/calls/${unrecorded}/recording`, { key: t.key });
    expect(none.status).toBe(404);
    expect(none.json.detail).toBe("the call has no recording");
    const recording = await liveCall(t);
    await env.DB.prepare("UPDATE calls SET recording_sid = ?, recording_status = 'in-progress' WHERE id = ?").bind(`RE${"0".repeat(32)}`, recording).run();
    const pending = await request("GET", `/v1/calls/${recording}/recording`, { key: t.key });
    expect(pending.status).toBe(409);
    expect(pending.headers.get("content-type")).toBe("application/problem+json");
  });
});
