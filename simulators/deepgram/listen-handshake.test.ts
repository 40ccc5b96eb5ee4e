import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startDeepgramSimulator, type DeepgramSimulator } from "./index.ts";

let sim: DeepgramSimulator;
beforeAll(async () => {
  sim = await startDeepgramSimulator({ apiKeys: ["good-key"] });
});
afterAll(() => sim.close());

interface Handshake {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  protocol?: string;
}

/** Opens a socket and reports either the 101 (then closes it) or the HTTP error response. */
function handshake(path: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${sim.wsUrl}${path}`, protocols, { headers });
    ws.on("upgrade", (res) => {
      ws.once("open", () => {
        resolve({ status: 101, headers: res.headers, body: "", protocol: ws.protocol });
        ws.close();
      });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.on("error", (error) => {
      if (!String(error.message).includes("Unexpected server response")) reject(error);
    });
  });
}

const LISTEN = "/v1/listen?model=nova-3&encoding=mulaw&sample_rate=8000";

describe("listen handshake", () => {
  it("accepts Token auth and stamps dg-request-id", async () => {
    const r = await handshake(LISTEN, { authorization: "Token good-key" });
    expect(r.status).toBe(101);
    expect(r.headers["dg-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts the browser subprotocol form and echoes the scheme", async () => {
    const r = await handshake(LISTEN, {}, ["token", "good-key"]);
    expect(r.status).toBe(101);
    expect(r.protocol).toBe("token");
  });

  it("accepts a Bearer token from /v1/auth/grant, but not an arbitrary one", async () => {
    const grant = await fetch(`${sim.url}/v1/auth/grant`, { method: "POST", headers: { authorization: "Token good-key" } });
    expect(grant.status).toBe(200);
    const { access_token } = (await grant.json()) as { access_token: string };
    expect((await handshake(LISTEN, { authorization: `Bearer ${access_token}` })).status).toBe(101);
    expect((await handshake(LISTEN, { authorization: "Bearer made-up" })).status).toBe(401);
  });

  it.each([
    ["no credentials", {}],
    ["a wrong key", { authorization: "Token bad-key" }],
    ["a malformed header", { authorization: "good-key" }],
  ])("rejects %s with 401 INVALID_AUTH", async (_label, headers) => {
    const before = sim.stats().listen.rejectedHandshakes;
    const opened = sim.stats().listen.socketsOpened;
    const r = await handshake(LISTEN, headers);
    expect(r.status).toBe(401);
    expect(r.headers["dg-error"]).toBe("Invalid credentials.");
    const body = JSON.parse(r.body) as Record<string, string>;
    expect(body).toEqual({ err_code: "INVALID_AUTH", err_msg: "Invalid credentials.", request_id: r.headers["dg-request-id"] });
    expect(sim.stats().listen.rejectedHandshakes).toBe(before + 1);
    expect(sim.stats().listen.socketsOpened).toBe(opened);
  });

  it.each([
    ["/v1/listen?model=nova-3&encoding=mulaw", 400, "INVALID_QUERY_PARAMETER"],
    ["/v1/listen?model=nova-3&interim_results=false&utterance_end_ms=1000", 400, "INVALID_QUERY_PARAMETER"],
    ["/v1/listen?model=nova-2&keyterm=refund", 400, "INVALID_QUERY_PARAMETER"],
    ["/v1/listen?model=banana", 400, "Bad Request"],
    ["/v1/nowhere", 404, "NOT_FOUND"],
  ])("rejects %s before upgrading", async (path, status, errCode) => {
    const opened = sim.stats().listen.socketsOpened;
    const r = await handshake(path, { authorization: "Token good-key" });
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body)).toMatchObject({ err_code: errCode, request_id: r.headers["dg-request-id"] });
    expect(r.headers["dg-error"]).toBeTruthy();
    expect(sim.stats().listen.socketsOpened).toBe(opened);
  });

  it("checks auth before parameters", async () => {
    expect((await handshake("/v1/listen?model=banana", {})).status).toBe(401);
  });

  it("binds to loopback only", async () => {
    await expect(startDeepgramSimulator({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });
});
