import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { SecretBox } from "../../shared/crypto/secret-box.ts";
import { toolSecretContext } from "../../shared/agents/stored-agent-config.ts";
import { executeHttpTool, MAX_RESPONSE_BYTES, type HttpToolContext, type StoredHttpTool } from "./http-tool.ts";
import { parseAllowlist } from "../../shared/tools/ssrf-guard.ts";

const SERVER = env.TOOL_SERVER_URL;
const ACCOUNT = "acct_http_tool_test";
const SECRET = "sk_live_Tool-Secret-4242";

const sealed = async (plaintext: string, accountId = ACCOUNT) => ({ sealed: await new SecretBox(env.ENCRYPTION_KEY).seal(plaintext, toolSecretContext(accountId)) });

const tool = (overrides: Partial<StoredHttpTool>): StoredHttpTool => ({
  type: "http",
  name: "book_table",
  description: "Books a table",
  parameters: { type: "object", properties: { date: { type: "string" }, party: { type: "integer" } }, required: ["date"] },
  url: `${SERVER}/echo`,
  method: "POST",
  headers: {},
  timeout_ms: 5000,
  ...overrides,
});

/** The tool server's record of a `/slow` request, by its tag. */
async function slowRequest(tag: string): Promise<{ startedAt: number; endedAt: number | null } | undefined> {
  const log = (await (await fetch(`${SERVER}/slow/log`)).json()) as { tag: string | null; startedAt: number; endedAt: number | null }[];
  return log.find((entry) => entry.tag === tag);
}

const expectSlowRequestClosed = (tag: string) => vi.waitFor(async () => expect((await slowRequest(tag))?.endedAt).toEqual(expect.any(Number)), { timeout: 5000, interval: 20 });

const ctx = (overrides: Partial<HttpToolContext> = {}): HttpToolContext => ({
  accountId: ACCOUNT,
  encryptionKey: env.ENCRYPTION_KEY,
  allowlist: parseAllowlist(env.TOOL_HOST_ALLOWLIST),
  signal: new AbortController().signal,
  dohUrl: `${SERVER}/dns-query`,
  ...overrides,
});

const tag = () => `t-${crypto.randomUUID()}`;
const seen = async (t: string) => (await fetch(`${SERVER}/seen?tag=${t}`)).json<{ method: string; headers: Record<string, string>; query: Record<string, string>; body: unknown } | null>();
const errorOf = (content: string) => (JSON.parse(content) as { error: string }).error;

let consoleSpies: MockInstance[] = [];
const consoleText = () => JSON.stringify(consoleSpies.flatMap((spy) => spy.mock.calls));

beforeEach(() => {
  consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));
});
afterEach(() => {
  // Whatever the test did, no secret may have reached a log line.
  expect(consoleText()).not.toContain(SECRET);
  vi.restoreAllMocks();
});

describe("executeHttpTool", () => {
  it("POSTs the input as JSON with opened secret headers; the result never carries the secret", async () => {
    const t = tag();
    const result = await executeHttpTool(tool({ url: `${SERVER}/echo?tag=${t}`, headers: { Authorization: await sealed(`Bearer ${SECRET}`), "X-Shop": { value: "north" } } }), { date: "2026-05-01", party: 4 }, ctx());
    expect(result.status).toBe("success");
    const echoed = JSON.parse(result.content) as { method: string; body: unknown; headers: Record<string, string> };
    expect(echoed.method).toBe("POST");
    expect(echoed.body).toEqual({ date: "2026-05-01", party: 4 });
    expect(echoed.headers["content-type"]).toBe("application/json");
    expect(echoed.headers["x-shop"]).toBe("north");
    // The server echoed the header back; the model sees it redacted.
    expect(echoed.headers.authorization).toBe("[redacted]");
    expect(result.content).not.toContain(SECRET);
    // …but the server really received it.
    expect((await seen(t))?.headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  it("sends GET arguments as a query string, keeping the URL's own parameters", async () => {
    const t = tag();
    const result = await executeHttpTool(tool({ method: "GET", url: `${SERVER}/echo?tag=${t}&fixed=1` }), { date: "2026-05-01", party: 2, tags: ["a", "b"] }, ctx());
    expect(result.status).toBe("success");
    const received = await seen(t);
    expect(received?.method).toBe("GET");
    expect(received?.query).toMatchObject({ tag: t, fixed: "1", date: "2026-05-01", party: "2" });
    expect(received?.body).toBeNull();
  });

  it.each([
    [{ party: 2 }, /missing required property "date"/],
    [["2026-05-01"], /must be a JSON object/],
    ["2026-05-01", /must be a JSON object/],
    [{ date: "2026-05-01", party: "four" }, /"party" must be integer/],
  ])("refuses input %j without calling the service", async (input, reason) => {
    const fetcher = vi.fn<typeof fetch>();
    const result = await executeHttpTool(tool({}), input, ctx({ fetcher }));
    expect(result.status).toBe("error");
    expect(errorOf(result.content)).toMatch(reason);
    expect(fetcher).not.toHaveBeenCalled();
  });

  it("turns a non-2xx answer into an error result with the status and the service's explanation", async () => {
    const result = await executeHttpTool(tool({ url: `${SERVER}/status/500`, headers: { Authorization: await sealed(SECRET) } }), { date: "x" }, ctx());
    expect(result.status).toBe("error");
    const parsed = JSON.parse(result.content) as { error: string; response: string };
    expect(parsed.error).toBe("the book_table service answered HTTP 500");
    expect(parsed.response).toContain("the booking slot is no longer available");
    expect(result.content).not.toContain(SECRET);
  });

  // The server would answer in ten minutes, so only the timeout or the abort can end these calls within the test's
  // time limit; the server's log then shows the request was really cut, not left running.
  it("times out after the tool's timeout_ms", async () => {
    const tag = `timeout-${crypto.randomUUID()}`;
    const result = await executeHttpTool(tool({ url: `${SERVER}/slow?ms=600000&tag=${tag}`, timeout_ms: 300 }), { date: "x" }, ctx());
    expect(result).toEqual({ status: "error", content: JSON.stringify({ error: "the book_table service timed out after 300 ms" }) });
    await expectSlowRequestClosed(tag);
  });

  it("stops at once when the turn is interrupted", async () => {
    const tag = `abort-${crypto.randomUUID()}`;
    const turn = new AbortController();
    const pending = executeHttpTool(tool({ url: `${SERVER}/slow?ms=600000&tag=${tag}` }), { date: "x" }, ctx({ signal: turn.signal }));
    await vi.waitFor(async () => expect(await slowRequest(tag)).toBeDefined(), { timeout: 5000, interval: 10 });
    turn.abort();
    const result = await pending;
    expect(result.status).toBe("error");
    expect(errorOf(result.content)).toMatch(/cancelled/);
    await expectSlowRequestClosed(tag);
  });

  it("reads at most 64 KiB of an endless body and cuts the rest", async () => {
    const result = await executeHttpTool(tool({ method: "GET", url: `${SERVER}/huge` }), { date: "x" }, ctx());
    expect(result.status).toBe("success");
    expect(result.content.startsWith("x".repeat(MAX_RESPONSE_BYTES))).toBe(true);
    expect(result.content).toMatch(/\n\[response truncated at 65536 bytes\]$/);
    expect(result.content.length).toBeLessThan(MAX_RESPONSE_BYTES + 100);
  });

  it.each(["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/", "https://[::1]/", "http://2130706433/", "//0x7f.1/"])("refuses a redirect to %s", async (to) => {
    const fetcher = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const result = await executeHttpTool(tool({ url: `${SERVER}/redirect?to=${encodeURIComponent(to)}` }), { date: "x" }, ctx({ fetcher }));
    expect(result.status).toBe("error");
    expect(errorOf(result.content)).toMatch(/address is not allowed \(redirect\)/);
    // Only the first hop was fetched.
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher.mock.calls[0]![1]?.redirect).toBe("manual");
  });

  it("follows allowed redirects (POST → GET on 302) and drops tool headers on a cross-origin hop", async () => {
    const t = tag();
    // 127.0.0.1 → localhost: same server, another origin.
    const to = `${SERVER.replace("127.0.0.1", "localhost")}/echo?tag=${t}`;
    const result = await executeHttpTool(
      tool({ url: `${SERVER}/redirect?to=${encodeURIComponent(to)}`, headers: { Authorization: await sealed(SECRET), "X-Shop": { value: "north" } } }),
      { date: "x" },
      ctx(),
    );
    expect(result.status).toBe("success");
    const received = await seen(t);
    expect(received?.method).toBe("GET");
    expect(received?.headers.authorization).toBeUndefined();
    expect(received?.headers["x-shop"]).toBeUndefined();
  });

  it("keeps method, body and headers on a same-origin 307", async () => {
    const t = tag();
    const result = await executeHttpTool(
      tool({ url: `${SERVER}/redirect?status=307&to=${encodeURIComponent(`/echo?tag=${t}`)}`, headers: { Authorization: await sealed(SECRET) } }),
      { date: "x" },
      ctx(),
    );
    expect(result.status).toBe("success");
    const received = await seen(t);
    expect(received?.method).toBe("POST");
    expect(received?.body).toEqual({ date: "x" });
    expect(received?.headers.authorization).toBe(SECRET);
  });

  it("gives up after three redirects", async () => {
    const loop = `${SERVER}/redirect?to=${encodeURIComponent(`${SERVER}/redirect?to=${encodeURIComponent(`${SERVER}/redirect?to=${encodeURIComponent(`${SERVER}/redirect?to=%2Fecho`)}`)}`)}`;
    const fetcher = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const result = await executeHttpTool(tool({ url: loop }), { date: "x" }, ctx({ fetcher }));
    expect(errorOf(result.content)).toMatch(/redirected more than 3 times/);
    expect(fetcher).toHaveBeenCalledTimes(4);
  });

  it.each(["http://10.0.0.1/book", "https://localhost.internal/", "http://api.example.com/"])("refuses the configured URL %s before any request", async (url) => {
    const fetcher = vi.fn<typeof fetch>();
    const result = await executeHttpTool(tool({ url }), { date: "x" }, ctx({ fetcher }));
    expect(errorOf(result.content)).toMatch(/address is not allowed: /);
    expect(fetcher).not.toHaveBeenCalled();
  });

  it.each([
    ["https://rebind.public-shop.example/book", /resolves to 10\.0\.0\.5, which is private/],
    ["https://metadata.public-shop.example/latest/meta-data/", /resolves to 169\.254\.169\.254, which is link-local/],
    ["https://mixed.public-shop.example/book", /resolves to 192\.168\.1\.20, which is private/],
    ["https://v6.public-shop.example/book", /resolves to ::1, which is loopback/],
    ["https://alias.public-shop.example/book", /resolves to 10\.0\.0\.5/],
    ["https://nowhere.public-shop.example/book", /does not exist \(NXDOMAIN\)/],
    ["https://empty.public-shop.example/book", /has no address/],
  ])("refuses %s by what its name resolves to, before fetching it", async (url, reason) => {
    const fetcher = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const result = await executeHttpTool(tool({ url }), { date: "x" }, ctx({ fetcher }));
    expect(errorOf(result.content)).toMatch(/address is not allowed: /);
    expect(errorOf(result.content)).toMatch(reason);
    // Only DNS-over-HTTPS lookups went out, never the tool request.
    expect(fetcher.mock.calls.map(([input]) => new URL(String(input)).pathname)).toEqual(expect.arrayContaining(["/dns-query"]));
    expect(fetcher.mock.calls.every(([input]) => new URL(String(input)).pathname === "/dns-query")).toBe(true);
  });

  it("re-checks the name of every redirect hop", async () => {
    const fetcher = vi.fn<typeof fetch>((input, init) => fetch(input, init));
    const to = "https://metadata.public-shop.example/latest/meta-data/";
    const result = await executeHttpTool(tool({ url: `${SERVER}/redirect?to=${encodeURIComponent(to)}` }), { date: "x" }, ctx({ fetcher }));
    expect(errorOf(result.content)).toMatch(/address is not allowed \(redirect\): the host metadata\.public-shop\.example resolves to 169\.254\.169\.254/);
    expect(fetcher.mock.calls.map(([input]) => new URL(String(input)).pathname)).toEqual(["/redirect", "/dns-query"]);
  });

  it("fetches a name whose every address is public", async () => {
    const fetched: string[] = [];
    // DoH goes to the test resolver; the tool request itself is answered here (the name is not real).
    const fetcher = vi.fn<typeof fetch>(async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === "/dns-query") return fetch(input, init);
      fetched.push(url.href);
      return Response.json({ booked: true });
    });
    const result = await executeHttpTool(tool({ url: "https://tools.public-shop.example/book" }), { date: "x" }, ctx({ fetcher }));
    expect(result).toEqual({ status: "success", content: JSON.stringify({ booked: true }) });
    expect(fetched).toEqual(["https://tools.public-shop.example/book"]);
  });

  it("refuses a name when the resolver cannot be reached (fails closed)", async () => {
    const result = await executeHttpTool(tool({ url: "https://tools.public-shop.example/book" }), { date: "x" }, ctx({ dohUrl: "http://127.0.0.1:1/dns-query" }));
    expect(errorOf(result.content)).toMatch(/could not be resolved \(the resolver did not answer\)/);
  });

  it("reports a secret sealed for another account as a configuration error, revealing nothing", async () => {
    const fetcher = vi.fn<typeof fetch>();
    const result = await executeHttpTool(tool({ headers: { Authorization: await sealed(SECRET, "acct_other") } }), { date: "x" }, ctx({ fetcher }));
    expect(result.status).toBe("error");
    expect(errorOf(result.content)).toBe("the book_table service is not configured correctly (a header secret is unavailable)");
    expect(fetcher).not.toHaveBeenCalled();
  });

  it("reports an unreachable service without throwing", async () => {
    const result = await executeHttpTool(tool({ url: "http://127.0.0.1:1/book", headers: { Authorization: await sealed(SECRET) } }), { date: "x" }, ctx());
    expect(result).toEqual({ status: "error", content: JSON.stringify({ error: "the book_table service could not be reached" }) });
  });
});
