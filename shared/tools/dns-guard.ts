/**
 * The DNS half of the SSRF gate: a tool host that is a name is resolved over DNS-over-HTTPS before each fetch (and
 * each redirect hop), and refused when any A or AAAA answer is private, loopback, link-local, metadata or otherwise
 * not public. A Worker cannot pin the address its fetch then uses, so a name that rebinds between the lookup and the
 * fetch is still possible; Cloudflare's egress, which does not reach private networks, covers that gap in production.
 * The check fails closed: a name that does not resolve, or a resolver that does not answer, is refused.
 */
import { blockedIpv4Range, blockedIpv6Range, parseDottedIpv4, parseIpv6 } from "./ssrf-guard.ts";

/** Cloudflare's resolver; `DOH_URL` (an optional var, e.g. a local resolver in tests) replaces it. */
export const DEFAULT_DOH_URL = "https://cloudflare-dns.com/dns-query";

export interface DnsCheckOptions {
  /** A resolver speaking the DoH JSON API (`?name=…&type=A`, `application/dns-json`): Cloudflare, Google, … */
  dohUrl: string;
  signal?: AbortSignal;
  fetcher?: typeof fetch;
}

export type DnsCheck = { ok: true; addresses: string[] } | { ok: false; reason: string };

export function dohUrlFrom(env: Pick<Env, "DOH_URL">): string {
  const value = env.DOH_URL.trim();
  return value ? value : DEFAULT_DOH_URL;
}

const RECORD_TYPES = { A: 1, AAAA: 28 } as const;
const DNS_STATUS: Record<number, string> = { 2: "the resolver failed (SERVFAIL)", 3: "the name does not exist (NXDOMAIN)", 5: "the resolver refused the query" };

interface DohAnswer {
  Status?: number;
  Answer?: { type?: number; data?: string }[];
}

export async function checkResolvedHost(host: string, opts: DnsCheckOptions): Promise<DnsCheck> {
  const fetcher = opts.fetcher ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const addresses: string[] = [];
  // One lookup after the other: a call's tools share its six-connection budget with the audio sockets.
  for (const [type, code] of Object.entries(RECORD_TYPES)) {
    const url = new URL(opts.dohUrl);
    url.searchParams.set("name", host);
    url.searchParams.set("type", type);
    let answer: DohAnswer;
    try {
      const response = await fetcher(url, { headers: { accept: "application/dns-json" }, signal: opts.signal });
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, reason: `the host ${host} could not be resolved (the resolver answered HTTP ${response.status})` };
      }
      answer = await response.json();
    } catch (error) {
      if (opts.signal?.aborted) throw error;
      return { ok: false, reason: `the host ${host} could not be resolved (the resolver did not answer)` };
    }
    if (answer.Status !== 0) return { ok: false, reason: `the host ${host} could not be resolved: ${DNS_STATUS[answer.Status ?? -1] ?? `DNS status ${answer.Status}`}` };
    for (const record of answer.Answer ?? []) {
      // CNAMEs and signatures come along; only the addresses they lead to matter.
      if (record.type !== code || typeof record.data !== "string") continue;
      const range = type === "A" ? ipv4Range(record.data) : ipv6Range(record.data);
      if (range !== undefined) return { ok: false, reason: `the host ${host} resolves to ${record.data}, which is ${range}` };
      addresses.push(record.data);
    }
  }
  return addresses.length > 0 ? { ok: true, addresses } : { ok: false, reason: `the host ${host} has no address` };
}

function ipv4Range(text: string): string | undefined {
  const octets = parseDottedIpv4(text);
  return octets === undefined ? "not a valid IPv4 address" : blockedIpv4Range(octets);
}

function ipv6Range(text: string): string | undefined {
  const groups = parseIpv6(text.toLowerCase());
  return groups === undefined ? "not a valid IPv6 address" : blockedIpv6Range(groups);
}
