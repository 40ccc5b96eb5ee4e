import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BackgroundTasks } from "./background-tasks.ts";
import { CallStore } from "./call-store.ts";

const fresh = () => env.CALL_SESSION.get(env.CALL_SESSION.idFromName(`tasks_${crypto.randomUUID()}`));

describe("BackgroundTasks: the one way the call object runs work it does not await", () => {
  it("a rejecting task is logged, recorded as a call event and recovered, never an unhandled rejection", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const store = new CallStore(state.storage.sql);
      const logs: Record<string, unknown>[] = [];
      const kept: Promise<unknown>[] = [];
      const recovered: string[] = [];
      const tasks = new BackgroundTasks(store, (level, message, data) => void logs.push({ level, message, ...data }), (p) => void kept.push(p));
      // As callTwilio does when the account has no credentials: it throws before any request is made.
      const done = tasks.run(
        "transfer.by_agent",
        async () => {
          throw new Error("the account has no Twilio credentials");
        },
        (error) => void recovered.push(String(error)),
      );
      expect(kept).toEqual([done]); // the object stays alive until it settles
      await expect(done).resolves.toBeUndefined();
      expect(store.events().map((e) => [e.type, e.data])).toEqual([["transfer.by_agent.failed", { error: "Error: the account has no Twilio credentials" }]]);
      expect(logs).toEqual([expect.objectContaining({ level: "error", message: "background task failed", task: "transfer.by_agent" })]);
      expect(recovered).toEqual(["Error: the account has no Twilio credentials"]);
    });
  });

  it("a recovery that throws too is logged, and the task still settles", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const store = new CallStore(state.storage.sql);
      const logs: string[] = [];
      const tasks = new BackgroundTasks(store, (_level, message) => void logs.push(message), () => {});
      const done = tasks.run(
        "recording",
        () => Promise.reject(new Error("Twilio 500")),
        () => {
          throw new Error("still down");
        },
      );
      await expect(done).resolves.toBeUndefined();
      expect(logs).toEqual(["background task failed", "background task recovery failed"]);
      expect(store.events().map((e) => e.type)).toEqual(["recording.failed"]);
    });
  });

  it("a task that succeeds records nothing", async () => {
    await runInDurableObject(fresh(), async (_i, state) => {
      const store = new CallStore(state.storage.sql);
      const tasks = new BackgroundTasks(store, () => {}, () => {});
      await tasks.run("recording", async () => {}, () => {});
      expect(store.events()).toEqual([]);
    });
  });
});
