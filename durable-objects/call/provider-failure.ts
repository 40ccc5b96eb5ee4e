import type { ProviderError } from "../providers/provider-types.ts";
import type { CallLog } from "./background-tasks.ts";
import type { CallRuntime } from "./call-runtime.ts";
import type { CallStore } from "./call-store.ts";
import type { StreamExit } from "./stream-exit.ts";

/**
 * Any provider failed for good (speech-to-text, text-to-speech, the model), whichever stage reports it: the agent
 * apologises in its own voice where its speech still works, and the call hangs up once that is heard (or by its
 * hang-up deadline) as `apology`. Without working speech the stream ends at once and Twilio says the apology.
 */
export function providerFailed(
  error: ProviderError,
  call: { store: CallStore; runtime: CallRuntime | undefined; streamLive: boolean; endStream(exit: StreamExit): void; log: CallLog },
): void {
  call.store.event("provider.failed", { provider: error.provider, message: error.message });
  call.log("error", "provider failed for good", { provider: error.provider, error: error.message });
  call.store.put("endReason", "apology");
  if (call.runtime && call.streamLive && error.provider !== "deepgram-tts") call.runtime.apologise();
  else call.endStream({ kind: "apology" });
}
