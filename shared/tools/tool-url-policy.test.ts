import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../../test/workers/api-client.ts";
import { toolUrlIssues, toolUrlPolicy } from "./tool-url-policy.ts";

const http = (url: string, index = 0) => ({ type: "http", name: `lookup_${index}`, description: "Looks things up", url });
const agent = (...urls: string[]) => ({
  name: "Front desk",
  config: { system_prompt: "Be brief.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, tools: [{ type: "end_call" }, ...urls.map((url, i) => http(url, i))] },
});

describe("toolUrlIssues", () => {
  it("points at every HTTP tool whose URL a call would refuse, and only those", () => {
    const policy = { allowlist: ["localhost"], blockedHosts: ["voice.example.com"] };
    const tools = [{ type: "end_call" }, http("https://api.example.com/x"), http("http://10.0.0.1/"), http("https://voice.example.com/v1"), http("http://localhost:3000/")];
    expect(toolUrlIssues(tools, policy)).toEqual([
      { path: "config.tools.2.url", message: "this address cannot be called by a tool: plain http is not allowed (https only)" },
      { path: "config.tools.3.url", message: "this address cannot be called by a tool: the host voice.example.com is the platform itself" },
    ]);
  });

  it("takes the allow-list and the platform's own host from the environment", () => {
    expect(toolUrlPolicy({ TOOL_HOST_ALLOWLIST: "127.0.0.1, localhost", PUBLIC_BASE_URL: "https://voice.example.com" })).toEqual({ allowlist: ["127.0.0.1", "localhost"], blockedHosts: ["voice.example.com"] });
    expect(toolUrlPolicy({ TOOL_HOST_ALLOWLIST: "", PUBLIC_BASE_URL: "" })).toEqual({ allowlist: [], blockedHosts: [] });
  });
});

describe("tool URLs are checked when an agent is saved and published", () => {
  it("refuses to create an agent whose tool URL is private, saying which tool and why", async () => {
    const t = await createTenant();
    const res = await api(t.key).post("/v1/agents", agent("https://api.example.com/ok", "https://169.254.169.254/latest/meta-data/"));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.json.detail).toBe("tool URLs must be public https addresses: config.tools.2.url: this address cannot be called by a tool: the address 169.254.169.254 is link-local (cloud metadata)");
    expect(res.json.errors).toEqual([{ path: "config.tools.2.url", message: "this address cannot be called by a tool: the address 169.254.169.254 is link-local (cloud metadata)" }]);
  });

  it("refuses a draft edit to a refused URL, and accepts allow-listed local hosts", async () => {
    const t = await createTenant();
    const created = await api(t.key).post("/v1/agents", agent(`${env.TOOL_SERVER_URL}/echo`));
    expect(created.status).toBe(201);
    const patched = await api(t.key).patch(`/v1/agents/${created.json.id}`, { config: agent("https://user:pw@api.example.com/").config });
    expect(patched.status).toBe(422);
    expect(patched.json.errors[0]).toEqual({ path: "config.tools.1.url", message: "this address cannot be called by a tool: credentials in the URL are not allowed (use a header)" });
    expect((await api(t.key).post(`/v1/agents/${created.json.id}/publish`)).status).toBe(201);
  });

  it("refuses to publish a draft stored before its URL became refused", async () => {
    const t = await createTenant();
    const created = await api(t.key).post("/v1/agents", agent("https://api.example.com/ok"));
    // As if saved under an older allow-list: the stored draft points at a private address.
    const stored = await env.DB.prepare("SELECT draft FROM agents WHERE id = ?").bind(created.json.id).first<{ draft: string }>();
    await env.DB.prepare("UPDATE agents SET draft = ? WHERE id = ?").bind(stored!.draft.replace("https://api.example.com/ok", "http://192.168.0.10/admin"), created.json.id).run();
    const published = await api(t.key).post(`/v1/agents/${created.json.id}/publish`);
    expect(published.status).toBe(422);
    expect(published.json.errors[0].message).toMatch(/plain http is not allowed/);
  });
});
