import { z } from "zod";
import { CallerScriptError } from "./caller-script.ts";
import { InboundCallError } from "./call-factory.ts";
import type { TwilioSimulator } from "./simulator.ts";
import { TwilioApiError } from "./twilio-api-error.ts";

/**
 * Test and dev control surface under `/__control/…` (JSON in, JSON out). It does what the phone network and the
 * Twilio console would: create accounts and numbers, ring a number with a scripted caller, inspect calls.
 */
export interface ControlResponse {
  status: number;
  body: unknown;
}

const method = z.enum(["GET", "POST"]);
const accountBody = z.strictObject({ accountSid: z.string().optional(), authToken: z.string().min(1).optional() });
const numberBody = z.strictObject({
  accountSid: z.string(),
  phoneNumber: z.string().optional(),
  friendlyName: z.string().optional(),
  voiceUrl: z.url().optional(),
  voiceMethod: method.optional(),
  voiceFallbackUrl: z.url().optional(),
  voiceFallbackMethod: method.optional(),
  statusCallback: z.url().optional(),
  statusCallbackMethod: method.optional(),
});
const calleeBody = z.strictObject({ to: z.string().min(1), script: z.unknown() });
const callBody = z.strictObject({
  from: z.string().optional(),
  to: z.string().min(1).optional(),
  script: z.unknown().optional(),
  sip: z.union([z.boolean(), z.strictObject({ domain: z.string().optional(), fromHost: z.string().optional() })]).optional(),
});

function parseBody<T>(schema: z.ZodType<T>, body: string): T {
  let json: unknown;
  try {
    json = body.trim() === "" ? {} : JSON.parse(body);
  } catch {
    throw new ControlError(400, "body is not JSON");
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new ControlError(400, z.prettifyError(result.error));
  return result.data;
}

class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function callOr404(sim: TwilioSimulator, callSid: string) {
  const recording = sim.getCall(callSid);
  if (!recording) throw new ControlError(404, `call ${callSid} not found`);
  return recording;
}

export async function handleControlRequest(sim: TwilioSimulator, httpMethod: string, path: string, query: URLSearchParams, body: string): Promise<ControlResponse> {
  const route = `${httpMethod} ${path.replace(/\/+$/, "")}`;
  let m: RegExpExecArray | null;
  try {
    if (route === "GET /__control/health") return { status: 200, body: { ok: true, url: sim.url, speed: sim.speed } };
    if (route === "POST /__control/accounts") return { status: 201, body: sim.addAccount(parseBody(accountBody, body)) };
    if (route === "POST /__control/numbers") {
      const { accountSid, ...config } = parseBody(numberBody, body);
      return { status: 201, body: sim.addNumber({ accountSid, ...config }) };
    }
    if (route === "POST /__control/callees") {
      const { to, script } = parseBody(calleeBody, body);
      sim.setCalleeScript(to, script);
      return { status: 204, body: null };
    }
    if (route === "POST /__control/calls") {
      const handle = await sim.startInboundCall(parseBody(callBody, body));
      return { status: 201, body: { callSid: handle.callSid } };
    }
    if (route === "GET /__control/calls") return { status: 200, body: sim.listCalls() };
    if ((m = /^GET \/__control\/calls\/([^/]+)$/.exec(route))) return { status: 200, body: callOr404(sim, m[1]!) };
    if ((m = /^(GET|POST) \/__control\/calls\/([^/]+)\/wait$/.exec(route))) {
      callOr404(sim, m[2]!);
      const timeoutMs = Number(query.get("timeoutMs") ?? 60_000);
      try {
        return { status: 200, body: await sim.waitForCallEnd(m[2]!, timeoutMs) };
      } catch {
        return { status: 408, body: { error: `call ${m[2]} did not end within ${timeoutMs} ms`, call: sim.getCall(m[2]!) } };
      }
    }
    if (route === "GET /__control/conferences") {
      const filter = { accountSid: query.get("accountSid") ?? undefined, friendlyName: query.get("friendlyName") ?? undefined };
      return { status: 200, body: sim.state.conferences.list(filter).map((c) => c.toJSON()) };
    }
    if ((m = /^GET \/__control\/conferences\/([^/]+)$/.exec(route))) {
      const conference = sim.state.conferences.get(m[1]!);
      return conference ? { status: 200, body: conference.toJSON() } : { status: 404, body: { error: `conference ${m[1]} not found` } };
    }
    if ((m = /^POST \/__control\/calls\/([^/]+)\/hangup$/.exec(route))) {
      callOr404(sim, m[1]!);
      await sim.hangUp(m[1]!);
      return { status: 200, body: sim.getCall(m[1]!) };
    }
    return { status: 404, body: { error: `no control route ${route}` } };
  } catch (err) {
    if (err instanceof ControlError || err instanceof InboundCallError) return { status: err.status, body: { error: err.message } };
    if (err instanceof CallerScriptError || err instanceof RangeError) return { status: 400, body: { error: err.message } };
    if (err instanceof TwilioApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
}
