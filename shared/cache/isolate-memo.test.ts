import { describe, expect, it } from "vitest";
import { IsolateMemo } from "./isolate-memo.ts";

describe("IsolateMemo", () => {
  it("returns an entry until its time-to-live has passed, then forgets it", () => {
    const memo = new IsolateMemo<string>({ ttlMs: 5_000, maxEntries: 10 });
    memo.set("k", "v", 1_000);
    expect(memo.get("k", 5_999)).toBe("v");
    expect(memo.get("k", 6_000)).toBeUndefined();
    expect(memo.size).toBe(0);
  });

  it("drops the oldest entry when full, and re-setting a key makes it the newest", () => {
    const memo = new IsolateMemo<number>({ ttlMs: 60_000, maxEntries: 2 });
    memo.set("a", 1, 0);
    memo.set("b", 2, 0);
    memo.set("a", 3, 0);
    memo.set("c", 4, 0);
    expect(memo.get("b", 0)).toBeUndefined();
    expect([memo.get("a", 0), memo.get("c", 0)]).toEqual([3, 4]);
  });

  it("deletes one key, or every entry whose value matches", () => {
    const memo = new IsolateMemo<{ account: string }>({ ttlMs: 60_000, maxEntries: 10 });
    memo.set("k1", { account: "A" }, 0);
    memo.set("k2", { account: "A" }, 0);
    memo.set("k3", { account: "B" }, 0);
    memo.delete("k3");
    expect(memo.get("k3", 0)).toBeUndefined();
    memo.set("k3", { account: "B" }, 0);
    memo.deleteWhere((v) => v.account === "A");
    expect([memo.get("k1", 0), memo.get("k2", 0), memo.get("k3", 0)]).toEqual([undefined, undefined, { account: "B" }]);
  });

  it("shares one load among concurrent misses, keeps a found value, and keeps neither a miss nor a failure", async () => {
    const memo = new IsolateMemo<string>({ ttlMs: 60_000, maxEntries: 10 });
    let loads = 0;
    let release!: (v: string | undefined) => void;
    const loader = () => ((loads += 1), new Promise<string | undefined>((r) => (release = r)));
    const together = Promise.all([memo.load("k", loader), memo.load("k", loader), memo.load("k", loader)]);
    release("v");
    expect(await together).toEqual(["v", "v", "v"]);
    expect(await memo.load("k", loader)).toBe("v");
    expect(loads).toBe(1);

    expect(await memo.load("absent", async () => undefined)).toBeUndefined();
    expect(await memo.load("absent", async () => "found")).toBe("found");
    await expect(memo.load("broken", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await memo.load("broken", async () => "up")).toBe("up");
  });

  it("does not keep what a load in flight returns once the key was deleted", async () => {
    const memo = new IsolateMemo<string>({ ttlMs: 60_000, maxEntries: 10 });
    let release!: (v: string) => void;
    const stale = memo.load("k", () => new Promise<string>((r) => (release = r)));
    memo.delete("k");
    release("old");
    expect(await stale).toBe("old");
    expect(await memo.load("k", async () => "new")).toBe("new");
  });
});
