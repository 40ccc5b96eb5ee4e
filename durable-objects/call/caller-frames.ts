import { base64ToBytes } from "../../shared/crypto/base64.ts";
import type { TwilioMessage } from "../../shared/protocol/twilio-media.ts";
import type { CallRuntime } from "./call-runtime.ts";
import type { CallStore } from "./call-store.ts";

/** A frame of the live, authenticated caller stream, handed to the running conversation. Every 20 ms: no await. */
export function onCallerFrame(message: TwilioMessage, runtime: CallRuntime, store: CallStore): void {
  switch (message.event) {
    case "media":
      return runtime.pipeline.callerAudio(base64ToBytes(message.media.payload));
    case "mark":
      return runtime.pipeline.markPlayed(message.mark.name);
    case "dtmf":
      store.event("caller.dtmf", { digit: message.dtmf.digit });
      return runtime.pipeline.callerDtmf(message.dtmf.digit);
    case "stop":
      store.event("stream.stopped");
      return;
    default:
      return;
  }
}
