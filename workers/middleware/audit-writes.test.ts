import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../api/app-env.ts";
import { onError } from "../api/problem.ts";
import { auditWrites } from "./audit-writes.ts";

const app = new Hono<AppEnv>();
app.use("*", async (c, next) => {
  c.set("requestId", "req-1");
  await next();
});
app.use("*", auditWrites);
app.post("/forgot", (c) => c.json({ ok: true }, 201));
app.post("/refused", (c) => c.json({ nope: true }, 409));
app.get("/read", (c) => c.json({ ok: true }));
app.onError(onError);

describe("auditWrites", () => {
  it("answers 500 for a successful write that never committed its audit entry", async () => {
    const res = await app.request("/forgot", { method: "POST" });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ type: "https://docs.ayb.dev/problems/internal", detail: "the write was not recorded in the audit log" });
  });

  it("lets reads and refused writes through untouched", async () => {
    expect((await app.request("/read")).status).toBe(200);
    expect((await app.request("/refused", { method: "POST" })).status).toBe(409);
  });
});
