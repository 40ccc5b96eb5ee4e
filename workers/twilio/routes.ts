import { Hono } from "hono";
import type { AppEnv } from "../api/app-env.ts";
import { recordingCallback, statusCallback, streamEnded, streamUpgrade } from "./call-callbacks.ts";
import { transferRoutes } from "./transfer-webhooks.ts";
import { trustHubStatusCallback } from "../compliance/trust-hub/status-callback.ts";
import { voiceWebhook } from "./voice-webhook.ts";

/** Twilio points straight at these: every request is authenticated by its signature, not by an API key. */
export const twilioRoutes = new Hono<AppEnv>()
  .post("/voice", voiceWebhook)
  .post("/status/:callId", statusCallback)
  .post("/status", statusCallback)
  .get("/stream/:callId", streamUpgrade)
  .post("/stream-ended/:callId", streamEnded)
  .post("/recording/:callId", recordingCallback)
  .post("/trust-hub/status", trustHubStatusCallback)
  .route("/transfer", transferRoutes);
