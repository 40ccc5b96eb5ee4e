import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { acceptedCall, media, openStream, session } from "../../test/workers/media-stream-client.ts";
import { telephonyTenant } from "../../test/workers/telephony-fixtures.ts";
import { CallStore } from "./call-store.ts";
import { COUNTER_SAVE_INTERVAL_MS, StreamCounterStore } from "./stream-counters.ts";

const fresh = () => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(`counters_${crypto.randomUUID()}`));

describe("stream counters: dropped frames never cost a storage write each", () => {
  it("N drops over a minute of call clock cause at most one write per save interval", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const store = new CallStore(state.storage.sql);
      let writes = 0;
      const put = store.put.bind(store);
      store.put = (key, value) => {
        if (key === "streamCounters") writes++;
        put(key, value);
      };
      let now = 0;
      const counts = new StreamCounterStore(store, () => now);
      const drops = 3_000; // one every 20 ms for a minute
      for (let i = 0; i < drops; i++) {
        counts.counters.frames_dropped_unauthenticated++;
        counts.dropped();
        now += 20;
      }
      expect(writes).toBeLessThanOrEqual(Math.ceil((drops * 20) / COUNTER_SAVE_INTERVAL_MS) + 1);
      expect(writes).toBeGreaterThan(0);
      counts.save(); // the end (a stream closes, the call ends): the exact count is written
      expect(store.get<{ frames_dropped_unauthenticated: number }>("streamCounters")!.frames_dropped_unauthenticated).toBe(drops);
    });
  });

  it("a burst of frames on an unauthenticated socket is counted in memory, not written frame by frame", { timeout: 20_000 }, async () => {
    const t = await telephonyTenant();
    const { url, params } = await acceptedCall(t);
    const stream = await openStream(t, url!);
    const burst = 200;
    for (let seq = 2; seq < 2 + burst; seq++) stream.ws!.send(media(seq));
    await vi.waitFor(async () => expect((await session(params.call_id!).state()).stream.counters.frames_dropped_unauthenticated).toBe(burst), { timeout: 10_000, interval: 50 });
    const stored = await runInDurableObject(session(params.call_id!), (_i, state) =>
      JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'streamCounters'").one().value),
    );
    // Written at the first drop and at most once per interval after it: far fewer than one write per frame.
    expect(stored.frames_dropped_unauthenticated).toBeGreaterThan(0);
    expect(stored.frames_dropped_unauthenticated).toBeLessThan(burst);
    stream.ws!.close();
  });
});
