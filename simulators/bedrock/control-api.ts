import { z } from "zod";
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
 *   POST fail-stream         {afterEvents?|afterDeltas?, exception?, message?}  exception frame in the next stream
 *   PUT  profile             {profile: "instant"|"realistic"|"twilio-baseline"|"jittery"}
 *   POST reset                                         clear log, faults, prompt cache and rule counters
 */
export interface ControlResponse {
  status: number;
  body: unknown;
}

const Throttle = z.strictObject({ count: z.number().int().min(0), message: z.string().optional() });
const FailStream = z.strictObject({
  afterEvents: z.number().int().min(0).optional(),
  afterDeltas: z.number().int().min(0).optional(),
  exception: z.enum(STREAM_EXCEPTIONS).default("modelStreamErrorException"),
  message: z.string().optional(),
});
const Profile = z.strictObject({ profile: z.enum(LATENCY_PROFILE_NAMES as [LatencyProfileName, ...LatencyProfileName[]]) });

export function handleControl(sim: BedrockSimulator, method: string, route: string, body: unknown): ControlResponse {
  const ok = (extra: Record<string, unknown> = {}) => ({ status: 200, body: { ok: true, ...extra } });
  const parse = <T>(schema: z.ZodType<T>): T | ControlResponse => {
    const result = schema.safeParse(body);
    return result.success ? result.data : { status: 400, body: { error: "invalid control request", issues: result.error.issues } };
  };
  const isError = (value: unknown): value is ControlResponse => typeof value === "object" && value !== null && "status" in value && "body" in value;

  switch (`${method} ${route}`) {
    case "GET health":
      return ok({ region: sim.region });
    case "GET scenario":
      return { status: 200, body: sim.scenario() };
    case "PUT scenario":
    case "POST scenario": {
      const scenario = parse(ScenarioSchema);
      if (isError(scenario)) return scenario;
      sim.loadScenario(scenario);
      return ok({ name: scenario.name, rules: scenario.rules.length });
    }
    case "POST scenario/reset":
      sim.resetScenario();
      return ok();
    case "POST throttle": {
      const throttle = parse(Throttle);
      if (isError(throttle)) return throttle;
      sim.throttleNext(throttle.count, throttle.message);
      return ok();
    }
    case "POST fail-stream": {
      const fault = parse(FailStream);
      if (isError(fault)) return fault;
      sim.failNextStream(fault);
      return ok();
    }
    case "GET faults":
      return { status: 200, body: sim.faults() };
    case "PUT profile": {
      const profile = parse(Profile);
      if (isError(profile)) return profile;
      sim.setProfile(profile.profile);
      return ok();
    }
    case "GET requests":
      return { status: 200, body: sim.requests() };
    case "GET stats":
      return { status: 200, body: sim.stats() };
    case "POST reset":
      sim.reset();
      return ok();
    default:
      return { status: 404, body: { error: `no control route ${method} /__control/${route}` } };
  }
}
