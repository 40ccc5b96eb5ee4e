/**
 * The SSRF gate for tenant-defined HTTP tools: every URL a tool call would fetch (the first request and each redirect
 * target) must pass here. Public HTTPS on the default port only; literal IPs in non-public ranges, loopback and
 * internal names, credentials in the URL and obfuscated IPv4 spellings are refused. Hosts in the allow-list
 * (`TOOL_HOST_ALLOWLIST`, local development) may use plain HTTP, any port and private addresses.
 * A host that passes as a name (`resolve: true`) must then pass the DNS check in dns-guard.ts before it is fetched.
 */
/** `resolve`: the host is a DNS name (not a literal, not allow-listed) whose addresses must still be checked. */
export type ToolUrlCheck = { ok: true; url: URL; resolve: boolean } | { ok: false; reason: string };

export interface ToolUrlOptions {
  /** Our own hostnames (e.g. PUBLIC_BASE_URL's): a tool must not call back into the platform. */
  blockedHosts?: readonly string[];
}

/** `TOOL_HOST_ALLOWLIST` ("127.0.0.1, localhost, *.dev.test") as normalised host entries. */
export function parseAllowlist(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((entry) => normaliseHost(entry.trim()))
    .filter((entry) => entry !== "");
}

export function checkToolUrl(url: string, allowlist: readonly string[], options: ToolUrlOptions = {}): ToolUrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse("the URL is not valid");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return refuse(`the scheme ${parsed.protocol} is not allowed (https only)`);
  if (parsed.username !== "" || parsed.password !== "") return refuse("credentials in the URL are not allowed (use a header)");

  const host = normaliseHost(parsed.hostname);
  if (host === "") return refuse("the URL has no host");
  const ipv4 = parseDottedIpv4(host);
  // The URL parser turns 2130706433, 0x7f.1 or 0177.0.0.1 into 127.0.0.1; such spellings only serve to hide an address.
  if (ipv4 !== undefined && rawHost(url) !== host) return refuse(`the address is written in an obfuscated form (${rawHost(url)})`);
  if (isAllowListed(host, allowlist)) return { ok: true, url: parsed, resolve: false };

  if (parsed.protocol !== "https:") return refuse("plain http is not allowed (https only)");
  if (parsed.port !== "") return refuse(`port ${parsed.port} is not allowed (443 only)`);
  if ((options.blockedHosts ?? []).some((blocked) => normaliseHost(blocked) === host)) return refuse(`the host ${host} is the platform itself`);

  const ipv6 = host.startsWith("[") ? parseIpv6(host.slice(1, -1)) : undefined;
  if (ipv6 !== undefined) {
    const range = blockedIpv6Range(ipv6);
    return range === undefined ? { ok: true, url: parsed, resolve: false } : refuse(`the address ${host} is ${range}`);
  }
  if (ipv4 !== undefined) {
    const range = blockedIpv4Range(ipv4);
    return range === undefined ? { ok: true, url: parsed, resolve: false } : refuse(`the address ${host} is ${range}`);
  }
  const reason = blockedName(host);
  return reason === undefined ? { ok: true, url: parsed, resolve: true } : refuse(reason);
}

const refuse = (reason: string): ToolUrlCheck => ({ ok: false, reason });

/** Lower case, without the trailing dot of a fully qualified name. */
function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.+$/, "");
}

function isAllowListed(host: string, allowlist: readonly string[]): boolean {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  return allowlist.some((entry) => {
    const wanted = normaliseHost(entry);
    if (wanted.startsWith("*.")) return host.endsWith(wanted.slice(1));
    return wanted === host || wanted === bare || (wanted.startsWith("[") && wanted.slice(1, -1) === bare);
  });
}

/** The host exactly as written in the URL (after userinfo, before port), lower case, trailing dots kept. */
function rawHost(url: string): string {
  const afterScheme = url.trim().replace(/^[a-z][a-z0-9+.-]*:[/\\]*/i, "");
  const authority = afterScheme.split(/[/?#\\]/, 1)[0] ?? "";
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  const host = hostPort.startsWith("[") ? hostPort.slice(0, hostPort.indexOf("]") + 1) : hostPort.split(":", 1)[0]!;
  return host.toLowerCase();
}

const BLOCKED_SUFFIXES = [".localhost", ".internal", ".local", ".home.arpa", ".arpa", ".lan", ".intranet"];
const BLOCKED_NAMES = new Set(["localhost", "metadata", "instance-data", "metadata.google.internal"]);

function blockedName(host: string): string | undefined {
  if (BLOCKED_NAMES.has(host)) return `the host ${host} is a local or metadata name`;
  const suffix = BLOCKED_SUFFIXES.find((s) => host.endsWith(s));
  if (suffix !== undefined) return `names under ${suffix} are internal`;
  if (!host.includes(".")) return `the host ${host} is not a public domain name`;
  if (!/^[a-z0-9._-]+$/.test(host)) return `the host ${host} has characters a public name cannot have`;
  return undefined;
}

// ---- IPv4 ----

/** Canonical dotted quad only (what the URL parser produces); undefined for anything else. */
export function parseDottedIpv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

const IPV4_BLOCKED: [string, number, string][] = [
  ["0.0.0.0", 8, "in the 'this network' range"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT (shared) space"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved for protocol assignments"],
  ["192.0.2.0", 24, "documentation space"],
  ["192.88.99.0", 24, "a 6to4 relay address"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking space"],
  ["198.51.100.0", 24, "documentation space"],
  ["203.0.113.0", 24, "documentation space"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const ipv4Number = (o: readonly number[]): number => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;

export function blockedIpv4Range(octets: readonly number[]): string | undefined {
  const value = ipv4Number(octets);
  for (const [base, bits, label] of IPV4_BLOCKED) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === (ipv4Number(base.split(".").map(Number)) & mask) >>> 0) return label;
  }
  return undefined;
}

// ---- IPv6 ----

/** Eight 16-bit groups, or undefined when not an IPv6 literal (zone ids are refused by the URL parser already). */
export function parseIpv6(text: string): number[] | undefined {
  let head = text;
  let tailV4: number[] = [];
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups: parse it, stand a placeholder group in, drop it below.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseDottedIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tailV4 = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    head = text.slice(0, lastColon + 1) + "0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (tailV4.length > 0) (halves.length === 2 ? right : left).pop();
  const fill = 8 - left.length - right.length - tailV4.length;
  if ((halves.length === 2 ? fill < 0 : fill !== 0) || [...left, ...right].some(Number.isNaN)) return undefined;
  return [...left, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...right, ...tailV4];
}

export function blockedIpv6Range(g: readonly number[]): string | undefined {
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroPrefix(8)) return "unspecified";
  if (zeroPrefix(7) && g[7] === 1) return "loopback";
  if (zeroPrefix(5) && g[5] === 0xffff) return "an IPv4-mapped address";
  if (zeroPrefix(6)) return "an IPv4-compatible address";
  if (g[0] === 0x64 && g[1] === 0xff9b) return "a NAT64 address";
  if (g[0] === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return "discard-only space";
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique-local (private)";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xffc0) === 0xfec0) return "site-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "documentation space";
  if (g[0] === 0x2001 && g[1] === 0) return "a Teredo tunnel address";
  if (g[0] === 0x2002) {
    const embedded = [g[1]! >> 8, g[1]! & 0xff, g[2]! >> 8, g[2]! & 0xff];
    const range = blockedIpv4Range(embedded);
    if (range !== undefined) return `a 6to4 address embedding a ${range} IPv4 address`;
  }
  return undefined;
}
