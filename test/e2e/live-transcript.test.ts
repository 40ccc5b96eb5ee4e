import { describe, expect, it, vi } from "vitest";
import { awaitingReplies, finalCall, tenantFor, worldPerFile } from "./call-harness.ts";

const world = worldPerFile();

interface LiveEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a Server-Sent Events body to its end. */
async function readEvents(body: ReadableStream<Uint8Array>): Promise<LiveEvent[]> {
  let text = "";
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) text += decoder.decode(read.value, { stream: true });
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split("\n");
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))!.slice(name.length + 2);
      return { event: field("event"), data: JSON.parse(field("data")) };
    });
}

describe("live transcript", () => {
  it("streams a live call's finished turns in order and ends with the call; a ticket works once, and only for its call", async () => {
    const tenant = await tenantFor(world);
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const handle = await world.platform.sims.twilio.startInboundCall({
      to: tenant.number,
      script: awaitingReplies({ steps: [{ waitForAgent: true }, { say: "What are your opening hours?" }, { waitForAgent: true }, { say: "Thank you, bye!" }, { waitForAgent: true }] }),
    });

    // The call's row appears at Twilio's voice webhook; a ticket can be had while it is live.
    const issued = await vi.waitFor(
      async () => {
        const page = await tenant.api.get("/v1/calls?limit=5");
        const row = page.data.find((c: { twilio_call_sid: string }) => c.twilio_call_sid === handle.callSid);
        const res = row && (await fetch(`${world.platform.baseUrl}/v1/calls/${row.id}/live-ticket`, { method: "POST", headers: auth }));
        if (res?.status !== 201) throw new Error("no live call to watch");
        return { callId: row.id as string, ticket: ((await res.json()) as { ticket: string }).ticket };
      },
      { timeout: 20_000, interval: 50 },
    );
    const liveUrl = (callId: string, ticket: string) => `${world.platform.baseUrl}/v1/calls/${callId}/live?ticket=${encodeURIComponent(ticket)}`;
    const live = await fetch(liveUrl(issued.callId, issued.ticket));
    expect(live.status).toBe(200);
    expect(live.headers.get("content-type")).toBe("text/event-stream");

    // The ticket was spent: a second use is refused, as is a fresh ticket presented for another call.
    const reused = await fetch(liveUrl(issued.callId, issued.ticket));
    expect(reused.status).toBe(401);
    expect(reused.headers.get("content-type")).toBe("application/problem+json");
    const spare = (await tenant.api.post(`/v1/calls/${issued.callId}/live-ticket`)) as { ticket: string };
    const foreign = await fetch(liveUrl("CAL-2222222222XXYZ", spare.ticket));
    expect(foreign.status).toBe(401);
    expect(((await foreign.json()) as { type: string }).type).toMatch(/unauthenticated$/);

    // The stream closes by itself when the call ends, with every caller and agent turn of the transcript, in order.
    const events = await readEvents(live.body!);
    await handle.ended;
    const call = await finalCall(tenant, (c) => c.id === issued!.callId);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "completed" } });
    const turns = events.filter((e) => e.event === "turn").map((e) => e.data);
    const spoken = call.turns.filter((t) => t.role === "caller" || t.role === "agent");
    expect(turns.map((t) => [t.role, t.text, t.interrupted])).toEqual(spoken.map((t) => [t.role, t.text, t.interrupted]));
    expect(turns.map((t) => t.role)).toEqual(expect.arrayContaining(["caller", "agent"]));
    for (const turn of turns) expect(Date.parse(String(turn.ended_at))).toBeGreaterThanOrEqual(Date.parse(String(turn.started_at)));
  });
});
