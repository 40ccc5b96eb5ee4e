import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { CallStore } from "./call-store.ts";
import { CallerStreams } from "./caller-streams.ts";

const fresh = () => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(`streams_${crypto.randomUUID()}`));

/** A CallerStreams inside a real object, with the lever set as given; what its listeners report is recorded. */
async function acceptWith(hibernation: "on" | "off", run: (client: WebSocket, state: DurableObjectState, seen: string[]) => Promise<void>) {
  await runInDurableObject(fresh(), async (_instance, state) => {
    const seen: string[] = [];
    const streams = new CallerStreams(state, { ...env, TWILIO_SOCKET_HIBERNATION: hibernation }, new CallStore(state.storage.sql), {
      message: async (_ws, data) => void seen.push(`message ${String(data)}`),
      close: async (_ws, code) => void seen.push(`close ${code}`),
    });
    const client = streams.accept().webSocket!;
    client.accept();
    await run(client, state, seen);
  });
}

describe("the caller's socket: hibernatable, or the standard API (TWILIO_SOCKET_HIBERNATION)", () => {
  it("by default is hibernatable: the runtime keeps it (a restarted object finds it again) and calls the object's handlers", async () => {
    await acceptWith("on", async (client, state) => {
      expect(state.getWebSockets("twilio")).toHaveLength(1);
      client.close(1000, "bye");
    });
  });

  it("off: frames and the close reach the listeners in order, and the runtime does not keep the socket for a restart", async () => {
    await acceptWith("off", async (client, state, seen) => {
      expect(state.getWebSockets("twilio")).toHaveLength(0);
      for (const n of [1, 2, 3]) client.send(`frame ${n}`);
      client.close(1000, "bye");
      // An error the runtime reports after the close may follow (the object treats a second close as nothing).
      await vi.waitFor(() => expect(seen.slice(0, 4)).toEqual(["message frame 1", "message frame 2", "message frame 3", "close 1000"]), { timeout: 5_000, interval: 10 });
    });
  });
});
