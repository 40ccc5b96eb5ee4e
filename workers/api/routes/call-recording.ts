import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { database } from "../../../shared/db/client.ts";
import { calls } from "../../../shared/db/schema.ts";
import { callRecordsDbOf } from "../../../shared/residency/residency.ts";
import { ID_PATTERNS } from "../../../shared/ids.ts";
import { TwilioApiError } from "../../../shared/twilio/twilio-client.ts";
import { twilioClient, twilioCredentialsForAccount } from "../../../shared/twilio/twilio-credentials.ts";
import { ApiError, notFound } from "../problem.ts";
import { IdParam, problem, resourceApp, securedRoute } from "../route.ts";

/** Twilio's media headers the player needs, passed on as they came. */
const PASSED_HEADERS = ["content-type", "content-length", "content-range", "accept-ranges"];

const audio = (description: string) => ({
  description,
  content: { "audio/x-wav": { schema: z.string().openapi({ format: "binary" }) } },
});

export const callRecordingApi = resourceApp();

callRecordingApi.openapi(
  securedRoute("calls:read", {
    method: "get",
    path: "/calls/{id}/recording",
    tags: ["Calls"],
    summary: "Stream the call's recording (WAV, 8 kHz, two channels: caller then agent)",
    description:
      "Streamed from Twilio as it arrives, never held in full. Send `Range: bytes=start-end` to seek; the answer is then 206 with `Content-Range`. 404 `not-found` when the call was not recorded; 409 `conflict` while the recording is still in progress.",
    request: {
      params: IdParam(ID_PATTERNS.call, "CAL-7KQ2M9XD4HTV2R"),
      headers: z.object({ range: z.string().optional().openapi({ description: "One byte range, e.g. `bytes=0-1023`." }) }),
    },
    responses: {
      200: audio("The whole recording."),
      206: audio("The requested byte range."),
      409: problem("`conflict`: the recording has not completed yet."),
      416: problem("`validation-error`: the range lies beyond the recording."),
      502: problem("`provider-error`: Twilio refused or could not be reached."),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const accountId = c.get("principal").accountId;
    const [call] = await database(callRecordsDbOf(c.env, id))
      .select({ recordingSid: calls.recordingSid, recordingStatus: calls.recordingStatus })
      .from(calls)
      .where(and(eq(calls.id, id), eq(calls.accountId, accountId)))
      .limit(1)
      .all();
    if (!call) throw notFound("call");
    if (!call.recordingSid) throw new ApiError("not-found", "the call has no recording", { call_id: id });
    if (call.recordingStatus !== "completed") throw new ApiError("conflict", `the recording is ${call.recordingStatus ?? "not finished"}; it can be fetched once completed`, { call_id: id });
    const creds = await twilioCredentialsForAccount(c.env, accountId);
    if (!creds) throw new ApiError("provider-error", "the account has no Twilio credentials to fetch the recording with", { call_id: id });
    let media: Response;
    try {
      media = await twilioClient(c.env, creds).recordingMedia(call.recordingSid, c.req.valid("header").range);
    } catch (err) {
      if (err instanceof TwilioApiError && err.status === 416) throw new ApiError("validation-error", "the range lies beyond the recording", { status: 416 });
      const detail = err instanceof Error ? err.message : String(err);
      throw new ApiError("provider-error", `Twilio could not serve the recording: ${detail}`, { call_id: id, ...(err instanceof TwilioApiError ? { twilio_code: err.code } : {}) });
    }
    const headers = new Headers({ "cache-control": "private, no-store" });
    for (const name of PASSED_HEADERS) {
      const value = media.headers.get(name);
      if (value) headers.set(name, value);
    }
    return new Response(media.body, { status: media.status, headers });
  },
);
