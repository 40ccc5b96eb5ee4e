import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { assertLoopback, closeServer, listenOn, readBody } from "../common/loopback-http-server.ts";
import { calcomApi } from "./calcom-api.ts";
import { makeHooks, zapierHooks } from "./catch-hooks.ts";
import { googleCalendarApi } from "./google-calendar-api.ts";
import { hubspotCrm } from "./hubspot-crm.ts";
import type { OAuthServer } from "./oauth-server.ts";
import type { RecordedRequest, VendorHandler } from "./recorded-request.ts";
import { salesforceApi } from "./salesforce-api.ts";
import { slackWebhooks } from "./slack-webhook.ts";

/**
 * The integrations' vendor stand-ins on one loopback port (their paths do not overlap; Salesforce is asked before
 * Slack, whose /services/ prefix it shares): Slack incoming webhooks,
 * HubSpot CRM v3 and its OAuth server, Cal.com API v2, Salesforce (OAuth and REST sObjects), Google (OAuth and
 * Calendar v3), Zapier and Make catch hooks. Control API:
 *   GET  /_control/requests?vendor=   every request received (method, path, headers, parsed body, answered status)
 *   POST /_control/faults {vendor, status, count}   the vendor's next `count` requests answer `status`
 *   POST /_control/oauth/revoke {vendor, code}   revoke the grant issued for that authorization code (its tokens)
 *   POST /_control/oauth/token-lifetime {vendor, code, seconds}   the lifetime of that grant's access tokens
 *   POST /_control/reset              forget requests, faults and stored objects' request log
 */
export interface IntegrationsSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startIntegrationsSimulator(opts: { port?: number; host?: string } = {}): Promise<IntegrationsSimulator> {
  const host = opts.host ?? "127.0.0.1";
  assertLoopback(host, "integrations");
  const hubspot = hubspotCrm();
  const salesforce = salesforceApi();
  const google = googleCalendarApi();
  const oauthServers: Record<string, OAuthServer> = { hubspot: hubspot.oauth, salesforce: salesforce.oauth, google: google.oauth };
  const vendors: VendorHandler[] = [salesforce, slackWebhooks(), hubspot, calcomApi(), google, zapierHooks(), makeHooks()];
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, { status: number; count: number }>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator");
    const rawBody = await readBody(req);
    if (url.pathname === "/_control/requests") return send(res, 200, requests.filter((r) => !url.searchParams.get("vendor") || r.vendor === url.searchParams.get("vendor")));
    if (url.pathname === "/_control/faults" && req.method === "POST") {
      const fault = JSON.parse(rawBody) as { vendor: string; status: number; count: number };
      faults.set(fault.vendor, { status: fault.status, count: fault.count });
      return send(res, 204, undefined);
    }
    const oauthControl = /^\/_control\/oauth\/(revoke|token-lifetime)$/.exec(url.pathname);
    if (oauthControl && req.method === "POST") {
      const control = JSON.parse(rawBody) as { vendor: string; code: string; seconds?: number };
      const server = Object.hasOwn(oauthServers, control.vendor) ? oauthServers[control.vendor]! : undefined;
      const done = server !== undefined && (oauthControl[1] === "revoke" ? server.revoke(control.code) : server.setLifetime(control.code, control.seconds ?? 0));
      return send(res, done ? 204 : 404, done ? undefined : { error: "no such vendor or code" });
    }
    if (url.pathname === "/_control/reset" && req.method === "POST") {
      requests.length = 0;
      faults.clear();
      return send(res, 204, undefined);
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    const request = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers, rawBody };
    for (const vendor of vendors) {
      let answer = vendor.handle(request);
      if (answer === undefined) continue;
      const fault = faults.get(vendor.vendor);
      if (fault && fault.count > 0) {
        fault.count--;
        answer = { status: fault.status, body: { status: "error", message: "simulated outage", category: "INTERNAL_ERROR" } };
      }
      let body: unknown = rawBody;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        /* recorded as text */
      }
      requests.push({ vendor: vendor.vendor, method: request.method, path: request.path, headers, body, status: answer.status });
      return send(res, answer.status, answer.body, answer.contentType, answer.headers);
    }
    send(res, 404, { error: `no vendor serves ${url.pathname}` });
  }

  const { port, url } = await listenOn(server, host, opts.port ?? 0);
  return { url, port, close: () => closeServer(server) };
}

function send(res: ServerResponse, status: number, body: unknown, contentType = "application/json", headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, "content-type": contentType === "application/json" ? "application/json;charset=utf-8" : contentType });
  res.end(typeof body === "string" && contentType !== "application/json" ? body : JSON.stringify(body));
}
