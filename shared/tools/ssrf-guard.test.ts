import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkToolUrl, parseAllowlist } from "./ssrf-guard.ts";

const NONE: string[] = [];
const TEST_ALLOWLIST = parseAllowlist(env.TOOL_HOST_ALLOWLIST);

const refused = (url: string, allowlist: readonly string[] = NONE) => {
  const result = checkToolUrl(url, allowlist);
  return result.ok ? undefined : result.reason;
};

describe("checkToolUrl", () => {
  it("accepts public https URLs on the default port", () => {
    for (const url of ["https://api.example.com/book?x=1", "https://api.example.com:443/", "https://8.8.8.8/", "https://[2606:4700:4700::1111]/dns", "https://bücher.example/"]) {
      const result = checkToolUrl(url, NONE);
      expect(result.ok, url).toBe(true);
    }
    // Names still need their addresses checked (dns-guard.ts); literals and allow-listed hosts do not.
    expect(checkToolUrl("https://api.example.com/", NONE)).toMatchObject({ ok: true, resolve: true });
    expect(checkToolUrl("https://8.8.8.8/", NONE)).toMatchObject({ ok: true, resolve: false });
    expect(checkToolUrl("http://localhost:3000/", TEST_ALLOWLIST)).toMatchObject({ ok: true, resolve: false });
    const result = checkToolUrl("https://API.Example.com./v1", NONE);
    expect(result.ok && result.url.hostname).toBe("api.example.com.");
  });

  it.each([
    ["http://api.example.com/", /https only/],
    ["ftp://api.example.com/", /scheme/],
    ["file:///etc/passwd", /scheme/],
    ["https://user:pass@api.example.com/", /credentials/],
    ["https://user@api.example.com/", /credentials/],
    ["https://api.example.com:8443/", /port 8443/],
    ["not a url", /not valid/],
  ])("refuses %s", (url, reason) => {
    expect(refused(url)).toMatch(reason);
  });

  it.each([
    ["https://127.0.0.1/", /loopback/],
    ["https://127.255.0.9/", /loopback/],
    ["https://10.1.2.3/", /private/],
    ["https://172.16.0.1/", /private/],
    ["https://172.31.255.255/", /private/],
    ["https://192.168.1.1/", /private/],
    ["https://100.64.0.1/", /carrier-grade NAT/],
    ["https://100.127.255.254/", /carrier-grade NAT/],
    ["https://169.254.169.254/latest/meta-data/", /link-local/],
    ["https://169.254.10.1/", /link-local/],
    ["https://0.0.0.0/", /this network/],
    ["https://224.0.0.1/", /multicast/],
    ["https://239.255.255.250/", /multicast/],
    ["https://240.0.0.1/", /reserved/],
    ["https://255.255.255.255/", /reserved/],
    ["https://192.0.2.10/", /documentation/],
    ["https://198.18.0.1/", /benchmarking/],
    ["https://[::1]/", /loopback/],
    ["https://[::]/", /unspecified/],
    ["https://[fd00:ec2::254]/", /unique-local/],
    ["https://[fc00::1]/", /unique-local/],
    ["https://[fe80::1]/", /link-local/],
    ["https://[ff02::1]/", /multicast/],
    ["https://[::ffff:127.0.0.1]/", /IPv4-mapped/],
    ["https://[::ffff:a9fe:a9fe]/", /IPv4-mapped/],
    ["https://[::ffff:8.8.8.8]/", /IPv4-mapped/],
    ["https://[64:ff9b::a00:1]/", /NAT64/],
    ["https://[2002:c0a8:101::1]/", /6to4 address embedding a private/],
    ["https://[2001:db8::1]/", /documentation/],
  ])("refuses the literal address %s", (url, reason) => {
    expect(refused(url)).toMatch(reason);
  });

  it.each([
    "http://2130706433/",
    "https://2130706433/",
    "https://0x7f.1/",
    "https://0x7f000001/",
    "https://0177.0.0.1/",
    "https://127.1/",
    "https://127.0.0.1./",
    "https://%31%32%37.0.0.1/",
    "https://0xa9.0xfe.0xa9.0xfe/",
    "https://134744072/",
    "http:2130706433/",
    "https:\\\\0x7f.1/",
  ])("refuses the obfuscated IPv4 spelling %s, even with loopback allow-listed", (url) => {
    expect(refused(url, TEST_ALLOWLIST)).toMatch(/obfuscated/);
  });

  it.each([
    ["https://localhost/", /local or metadata/],
    ["https://LOCALHOST./", /local or metadata/],
    ["https://api.localhost/", /\.localhost/],
    ["https://metadata.google.internal/computeMetadata/v1/", /\.internal/],
    ["https://db.corp.internal/", /\.internal/],
    ["https://printer.local/", /\.local/],
    ["https://router.home.arpa/", /\.home\.arpa/],
    ["https://metadata/", /metadata/],
    ["https://intranet/", /not a public domain name/],
  ])("refuses the internal name %s", (url, reason) => {
    expect(refused(url)).toMatch(reason);
  });

  it("refuses the platform's own host when told it", () => {
    const result = checkToolUrl("https://voice.example.com/v1/calls", NONE, { blockedHosts: ["Voice.Example.com"] });
    expect(result.ok ? undefined : result.reason).toMatch(/platform itself/);
  });

  it("lets allow-listed hosts use plain http, any port and private addresses", () => {
    expect(TEST_ALLOWLIST).toEqual(["127.0.0.1", "localhost"]);
    for (const url of ["http://127.0.0.1:8787/echo", "http://localhost:3000/", "https://127.0.0.1/", "http://localhost./x"]) {
      expect(checkToolUrl(url, TEST_ALLOWLIST).ok, url).toBe(true);
    }
    // Only the listed hosts: other loopback spellings and private ranges stay refused.
    expect(refused("http://[::1]:8787/", TEST_ALLOWLIST)).toMatch(/https only/);
    expect(refused("https://[::1]/", TEST_ALLOWLIST)).toMatch(/loopback/);
    expect(refused("http://10.0.0.1/", TEST_ALLOWLIST)).toMatch(/https only/);
    expect(refused("https://10.0.0.1/", TEST_ALLOWLIST)).toMatch(/private/);
    // …and never credentials or other schemes.
    expect(refused("http://u:p@127.0.0.1:8787/", TEST_ALLOWLIST)).toMatch(/credentials/);
    expect(refused("ws://127.0.0.1:8787/", TEST_ALLOWLIST)).toMatch(/scheme/);
  });

  it("supports wildcard allow-list entries and ignores blanks", () => {
    const allowlist = parseAllowlist(" *.dev.test , ,LOCALHOST ");
    expect(allowlist).toEqual(["*.dev.test", "localhost"]);
    expect(checkToolUrl("http://api.dev.test:9000/", allowlist).ok).toBe(true);
    expect(checkToolUrl("http://dev.test.evil.com/", allowlist).ok).toBe(false);
  });
});
