import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env.ts";
import { problem, withResponseHeaders } from "./route.ts";

/**
 * The OpenAPI description of the `/twilio/*` webhooks (workers/twilio/routes.ts). Twilio calls them, not tenants:
 * each is authenticated by `X-Twilio-Signature` (HMAC-SHA1 over the public URL and the form parameters, keyed by
 * the tenant's Twilio auth token), never by an API key. test/node/openapi.test.ts fails if a route is missing here.
 */
const CallParams = {
  CallSid: z.string().openapi({ example: "CA0123456789abcdef0123456789abcdef" }),
  AccountSid: z.string().openapi({ example: "AC0123456789abcdef0123456789abcdef" }),
};

const VoiceForm = z
  .object({
    ...CallParams,
    From: z.string(),
    To: z.string(),
    CallStatus: z.string(),
    Direction: z.string().optional(),
    ApiVersion: z.string().optional(),
    AnsweredBy: z.string().optional().openapi({ description: "Answering-machine detection verdict (outbound calls)." }),
  })
  .openapi("TwilioVoiceWebhook");

const StatusForm = z
  .object({ ...CallParams, CallStatus: z.enum(["queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "canceled", "failed"]), CallDuration: z.string().optional() })
  .openapi("TwilioStatusCallback");

const CallForm = z.object(CallParams).openapi("TwilioCallWebhook");

const RecordingForm = z.object({ ...CallParams, RecordingSid: z.string(), RecordingStatus: z.string() }).openapi("TwilioRecordingCallback");

const TrustHubForm = z
  .object({
    AccountSid: CallParams.AccountSid,
    BundleSid: z.string().openapi({ description: "The customer profile or trust product (BU…)." }),
    Status: z.enum(["draft", "pending-review", "in-review", "twilio-rejected", "twilio-approved"]),
    FailureReason: z.string().optional(),
  })
  .openapi("TwilioTrustHubStatusCallback");

const form = (schema: z.ZodType) => ({ body: { required: true, content: { "application/x-www-form-urlencoded": { schema } } } });
const callIdParam = z.object({ callId: z.string().openapi({ param: { name: "callId", in: "path" }, example: "CAL-7KQ2M9XD4HTV2R" }) });
const twiml = (description: string) => ({ description, content: { "text/xml": { schema: z.string().openapi({ description: "TwiML" }) } } });
const text = (description: string) => ({ description, content: { "text/plain": { schema: z.string() } } });
const signed = {
  security: [{ twilioSignature: [] }],
  tags: ["Twilio webhooks"],
};
const refusals = {
  403: text("The signature does not verify (recorded as a security event)."),
  413: problem("`payload-too-large`: webhook bodies are limited to 64 KiB."),
};

export function documentTwilioWebhooks(app: OpenAPIHono<AppEnv>) {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "twilioSignature", {
    type: "apiKey",
    in: "header",
    name: "X-Twilio-Signature",
    description: "Twilio's request signature: base64 HMAC-SHA1 of the public URL followed by the sorted form parameters, keyed by the tenant's auth token.",
  });
  registry.registerPath({
    ...signed,
    method: "post",
    path: "/twilio/voice",
    summary: "A number's voice webhook: answers an inbound call (or an outbound call's `call_id`) with a media stream",
    request: { query: z.object({ call_id: z.string().optional().openapi({ description: "Set on outbound calls the platform placed." }) }), ...form(VoiceForm) },
    responses: withResponseHeaders({ 200: twiml("`<Connect><Stream>` to the call's session, or a spoken refusal and `<Hangup>`."), ...refusals }),
  });
  for (const path of ["/twilio/status", "/twilio/status/{callId}"]) {
    registry.registerPath({
      ...signed,
      method: "post",
      path,
      summary: path.endsWith("}") ? "An outbound call's status callback" : "A number's status callback (the call is found by `CallSid`)",
      request: { ...(path.endsWith("}") ? { params: callIdParam } : {}), ...form(StatusForm) },
      responses: withResponseHeaders({ 204: { description: "Recorded; a final status ends the call." }, 400: text("Unknown `CallStatus`."), ...refusals }),
    });
  }
  for (const [path, summary] of [
    ["/twilio/stream/{callId}", "The call's media stream: a WebSocket upgrade, signed over the `wss://` URL"],
    ["/twilio/transfer/{callId}/stream", "A warm transfer's briefing stream to the target: a WebSocket upgrade, signed over the `wss://` URL"],
  ] as const) {
    registry.registerPath({
      ...signed,
      method: "get",
      path,
      summary,
      request: { params: callIdParam },
      responses: withResponseHeaders({
        101: { description: "Switched to the Twilio Media Streams WebSocket protocol." },
        403: refusals[403],
        426: text("Not a WebSocket upgrade."),
      }),
    });
  }
  for (const [step, summary] of [
    ["answer", "A warm transfer's target answered: TwiML that streams it to the call for its briefing"],
    ["briefing-ended", "A warm transfer's briefing stream ended (`<Connect action>`): TwiML that moves the target on"],
    ["status", "A warm transfer's target leg status callback"],
  ] as const) {
    registry.registerPath({
      ...signed,
      method: "post",
      path: `/twilio/transfer/{callId}/${step}`,
      summary,
      request: { params: callIdParam, ...form(step === "status" ? StatusForm : CallForm) },
      responses: withResponseHeaders({ 200: twiml("The target leg's next TwiML."), 204: { description: "Nothing for the target leg to do." }, ...refusals }),
    });
  }
  registry.registerPath({
    ...signed,
    method: "post",
    path: "/twilio/stream-ended/{callId}",
    summary: "The `<Connect action>`: reconnects a dropped stream, or hangs up / transfers as the agent asked",
    request: { params: callIdParam, ...form(CallForm) },
    responses: withResponseHeaders({ 200: twiml("A new `<Connect>`, a `<Dial>` transfer, or `<Hangup>`."), ...refusals }),
  });
  registry.registerPath({
    ...signed,
    method: "post",
    path: "/twilio/recording/{callId}",
    summary: "A call recording's status callback",
    request: { params: callIdParam, ...form(RecordingForm) },
    responses: withResponseHeaders({ 204: { description: "Stored on the call." }, ...refusals }),
  });
  registry.registerPath({
    ...signed,
    method: "post",
    path: "/twilio/trust-hub/status",
    summary: "A Trust Hub customer profile's or SHAKEN/STIR trust product's status callback",
    request: form(TrustHubForm),
    responses: withResponseHeaders({ 204: { description: "Stored; the registration runs on (an approved profile gets its trust product)." }, 400: text("Unknown `Status`."), ...refusals }),
  });
}
