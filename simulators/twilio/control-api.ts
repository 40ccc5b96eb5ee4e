import { Router, type IRequest } from "itty-router";
import { z } from "zod";
import { CallerScriptError } from "./caller-script.ts";
import { InboundCallError } from "./call-factory.ts";
import type { TwilioSimulator } from "./simulator.ts";
import { TwilioApiError } from "./twilio-api-error.ts";
import { reviewBundle, ReviewRefused } from "./trust-hub-review.ts";
import { BUNDLE_STATUSES } from "./trust-hub-state.ts";

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
const restFaultBody = z.strictObject({
  accountSid: z.string(),
  status: z.union([z.literal(429), z.literal(503)]),
  count: z.number().int().min(0),
  retryAfterSeconds: z.number().int().min(0).optional(),
  when: z.enum(["before", "after"]).optional(),
});
const reviewBody = z.strictObject({ status: z.enum(BUNDLE_STATUSES), failureReason: z.string().min(1).optional(), deliver: z.boolean().optional() });
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

interface ControlRequest extends IRequest {
  payload: string;
}

type ControlRoute = (req: ControlRequest, sim: TwilioSimulator) => ControlResponse | Promise<ControlResponse>;

const waitForEnd: ControlRoute = async ({ params, query }, sim) => {
  const callSid = params.callSid!;
  callOr404(sim, callSid);
  const timeoutMs = Number(single(query.timeoutMs) ?? 60_000);
  try {
    return { status: 200, body: await sim.waitForCallEnd(callSid, timeoutMs) };
  } catch {
    return { status: 408, body: { error: `call ${callSid} did not end within ${timeoutMs} ms`, call: sim.getCall(callSid) } };
  }
};

const router = Router<ControlRequest, [TwilioSimulator], ControlResponse>({ base: "/__control" });
router
  .get("/health", (_req, sim) => ({ status: 200, body: { ok: true, url: sim.url, speed: sim.speed } }))
  .post("/accounts", ({ payload }, sim) => ({ status: 201, body: sim.addAccount(parseBody(accountBody, payload)) }))
  .post("/numbers", ({ payload }, sim) => {
    const { accountSid, ...config } = parseBody(numberBody, payload);
    return { status: 201, body: sim.addNumber({ accountSid, ...config }) };
  })
  .post("/callees", ({ payload }, sim) => {
    const { to, script } = parseBody(calleeBody, payload);
    sim.setCalleeScript(to, script);
    return { status: 204, body: null };
  })
  .post("/calls", async ({ payload }, sim) => {
    const handle = await sim.startInboundCall(parseBody(callBody, payload));
    return { status: 201, body: { callSid: handle.callSid } };
  })
  .get("/calls", (_req, sim) => ({ status: 200, body: sim.listCalls() }))
  .get("/calls/:callSid", ({ params }, sim) => ({ status: 200, body: callOr404(sim, params.callSid!) }))
  .get("/calls/:callSid/wait", waitForEnd)
  .post("/calls/:callSid/wait", waitForEnd)
  .post("/calls/:callSid/hangup", async ({ params }, sim) => {
    callOr404(sim, params.callSid!);
    await sim.hangUp(params.callSid!);
    return { status: 200, body: sim.getCall(params.callSid!) };
  })
  .post("/rest-faults", ({ payload }, sim) => {
    const { accountSid, count, ...fault } = parseBody(restFaultBody, payload);
    sim.state.restFaults.arm(accountSid, count, fault);
    return { status: 200, body: sim.state.restFaults.snapshot(accountSid) };
  })
  .get("/rest-faults", ({ query }, sim) => ({ status: 200, body: sim.state.restFaults.snapshot(single(query.accountSid) ?? "") }))
  .post("/trust-hub/bundles/:sid/review", async ({ params, payload }, sim) => ({ status: 200, body: await reviewBundle(sim.state, params.sid!, parseBody(reviewBody, payload)) }))
  .get("/trust-hub/resources", ({ query }, sim) => {
    const accountSid = single(query.accountSid) ?? "";
    const addresses = [...sim.state.addresses.values()].filter((a) => a.accountSid === accountSid).length;
    return { status: 200, body: { ...sim.state.trustHub.counts(accountSid), addresses } };
  })
  .get("/trust-hub/callbacks", ({ query }, sim) => ({ status: 200, body: sim.state.trustHub.callbacks.filter((c) => c.bundleSid === single(query.bundleSid)) }))
  // What was texted where: tests read a sent verification code here, as a phone would.
  .get("/messages", ({ query }, sim) => {
    const to = single(query.to);
    const accountSid = single(query.accountSid);
    const sent = sim.state.messages.all().filter((m) => (!to || m.to === to) && (!accountSid || m.accountSid === accountSid));
    return { status: 200, body: sent.map((m) => ({ sid: m.sid, accountSid: m.accountSid, from: m.from, to: m.to, body: m.body, status: m.status })) };
  })
  .get("/conferences", ({ query }, sim) => {
    const filter = { accountSid: single(query.accountSid), friendlyName: single(query.friendlyName) };
    return { status: 200, body: sim.state.conferences.list(filter).map((c) => c.toJSON()) };
  })
  .get("/conferences/:conferenceSid", ({ params }, sim) => {
    const conference = sim.state.conferences.get(params.conferenceSid!);
    return conference ? { status: 200, body: conference.toJSON() } : { status: 404, body: { error: `conference ${params.conferenceSid} not found` } };
  });

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function handleControlRequest(sim: TwilioSimulator, httpMethod: string, path: string, query: URLSearchParams, body: string): Promise<ControlResponse> {
  try {
    const request = { method: httpMethod, url: `http://simulator${path}?${query}`, payload: body };
    return (await router.fetch(request, sim)) ?? { status: 404, body: { error: `no control route ${httpMethod} ${path}` } };
  } catch (err) {
    if (err instanceof ControlError || err instanceof InboundCallError || err instanceof ReviewRefused) return { status: err.status, body: { error: err.message } };
    if (err instanceof CallerScriptError || err instanceof RangeError) return { status: 400, body: { error: err.message } };
    if (err instanceof TwilioApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
}
