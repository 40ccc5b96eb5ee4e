import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkResolvedHost, DEFAULT_DOH_URL, dohUrlFrom } from "./dns-guard.ts";

// test/node/tool-server.ts answers DoH JSON queries over a small fixed zone.
const DOH = `${env.TOOL_SERVER_URL}/dns-query`;

describe("checkResolvedHost", () => {
  it("passes a name whose A and AAAA answers are all public, listing them", async () => {
    expect(await checkResolvedHost("tools.public-shop.example", { dohUrl: DOH })).toEqual({ ok: true, addresses: ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"] });
  });

  it.each([
    ["rebind.public-shop.example", "the host rebind.public-shop.example resolves to 10.0.0.5, which is private"],
    ["metadata.public-shop.example", "the host metadata.public-shop.example resolves to 169.254.169.254, which is link-local (cloud metadata)"],
    ["mixed.public-shop.example", "the host mixed.public-shop.example resolves to 192.168.1.20, which is private"],
    ["v6.public-shop.example", "the host v6.public-shop.example resolves to ::1, which is loopback"],
    ["alias.public-shop.example", "the host alias.public-shop.example resolves to 10.0.0.5, which is private"],
    ["nowhere.public-shop.example", "the host nowhere.public-shop.example could not be resolved: the name does not exist (NXDOMAIN)"],
    ["empty.public-shop.example", "the host empty.public-shop.example has no address"],
  ])("refuses %s", async (host, reason) => {
    expect(await checkResolvedHost(host, { dohUrl: DOH })).toEqual({ ok: false, reason });
  });

  it("fails closed when the resolver errs or is unreachable", async () => {
    expect(await checkResolvedHost("tools.public-shop.example", { dohUrl: `${env.TOOL_SERVER_URL}/status/502` })).toEqual({
      ok: false,
      reason: "the host tools.public-shop.example could not be resolved (the resolver answered HTTP 502)",
    });
    expect(await checkResolvedHost("tools.public-shop.example", { dohUrl: "http://127.0.0.1:1/dns-query" })).toMatchObject({ ok: false, reason: expect.stringMatching(/did not answer/) });
  });

  it("reads DOH_URL when set, else uses Cloudflare's resolver", () => {
    expect(dohUrlFrom({ DOH_URL: " http://127.0.0.1:5353/dns-query " })).toBe("http://127.0.0.1:5353/dns-query");
    expect(dohUrlFrom({ DOH_URL: "" })).toBe(DEFAULT_DOH_URL);
  });
});
