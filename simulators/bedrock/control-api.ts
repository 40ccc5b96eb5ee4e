import { Router, type IRequest } from "itty-router";
import { z } from "zod";
import { REQUEST_ERRORS } from "./aws-error.ts";
import { STREAM_EXCEPTIONS, ScenarioSchema } from "./scenario.ts";
import type { BedrockSimulator } from "./bedrock-simulator.ts";
import { LATENCY_PROFILE_NAMES, type LatencyProfileName } from "../common/latency-profile.ts";

/**
 * `/__control/…`: the library API over HTTP, for tests and dev tools that run the simulator out of process.
 * Bodies are JSON; a bad body is a 400 with zod's issues.
 *   GET  health | scenario | requests | stats | faults
 *   PUT  scenario            {rules: […]}              load a scenario (POST works too)
 *   POST scenario/reset                                back to the built-in scenario
 *   POST throttle            {count, message?}         HTTP 429 for the next N model requests
 *   POST fail-requests       {count, error, message?}  any §5.6 error (before the stream) for the next N requests
 *   POST fail-stream         {afterEvents?|afterDeltas?, exception?, message?}  exception frame in the next stream
 *   PUT  profile             {profile: "instant"|"realistic"|"twilio-baseline"|"jittery"}
 *   POST reset                                         clear log, faults, prompt cache and rule counters
 */
export interface ControlResponse {
  status: number;
  body: unknown;
}

const Throttle = z.strictObject({ count: z.number().int().min(0), message: z.string().optional() });
const FailRequests = z.strictObject({ count: z.number().int().min(0), error: z.enum(REQUEST_ERRORS), message: z.string().optional() });
const FailStream = z.strictObject({
  afterEvents: z.number().int().min(0).optional(),
  afterDeltas: z.number().int().min(0).optional(),
  exception: z.enum(STREAM_EXCEPTIONS).default("modelStreamErrorException"),
  message: z.string().optional(),
});
const Profile = z.strictObject({ profile: z.enum(LATENCY_PROFILE_NAMES as [LatencyProfileName, ...LatencyProfileName[]]) });

interface ControlRequest extends IRequest {
  payload: unknown;
}

const ok = (extra: Record<string, unknown> = {}): ControlResponse => ({ status: 200, body: { ok: true, ...extra } });

/** Parses the body, then runs `apply`; a bad body is a 400 with zod's issues. */
const withBody =
  <T>(schema: z.ZodType<T>, apply: (value: T, sim: BedrockSimulator) => ControlResponse) =>
  ({ payload }: ControlRequest, sim: BedrockSimulator): ControlResponse => {
    const result = schema.safeParse(payload);
    return result.success ? apply(result.data, sim) : { status: 400, body: { error: "invalid control request", issues: result.error.issues } };
  };

const loadScenario = withBody(ScenarioSchema, (scenario, sim) => {
  sim.loadScenario(scenario);
  return ok({ name: scenario.name, rules: scenario.rules.length });
});

const router = Router<ControlRequest, [BedrockSimulator], ControlResponse>({ base: "/__control" });
router
  .get("/health", (_req, sim) => ok({ region: sim.region }))
  .get("/scenario", (_req, sim) => ({ status: 200, body: sim.scenario() }))
  .put("/scenario", loadScenario)
  .post("/scenario", loadScenario)
  .post("/scenario/reset", (_req, sim) => {
    sim.resetScenario();
    return ok();
  })
  .post("/throttle", withBody(Throttle, (throttle, sim) => {
    sim.throttleNext(throttle.count, throttle.message);
    return ok();
  }))
  .post("/fail-requests", withBody(FailRequests, (fault, sim) => {
    sim.failNextRequests(fault.count, fault.error, fault.message);
    return ok();
  }))
  .post("/fail-stream", withBody(FailStream, (fault, sim) => {
    sim.failNextStream(fault);
    return ok();
  }))
  .get("/faults", (_req, sim) => ({ status: 200, body: sim.faults() }))
  .put("/profile", withBody(Profile, (profile, sim) => {
    sim.setProfile(profile.profile);
    return ok();
  }))
  .get("/requests", (_req, sim) => ({ status: 200, body: sim.requests() }))
  .get("/stats", (_req, sim) => ({ status: 200, body: sim.stats() }))
  .post("/reset", (_req, sim) => {
    sim.reset();
    return ok();
  });

/** Answers a `/__control/…` request; `payload` is the parsed JSON body (undefined when empty). */
export async function handleControl(sim: BedrockSimulator, method: string, path: string, payload: unknown): Promise<ControlResponse> {
  const response = await router.fetch({ method, url: `http://simulator${path}`, payload }, sim);
  return response ?? { status: 404, body: { error: `no control route ${method} ${path}` } };
}
