import { bytesToBase64 } from "../../shared/crypto/base64.ts";
import { DeepgramTextToSpeech } from "../providers/deepgram-tts.ts";
import type { ProviderError } from "../providers/provider-types.ts";
import type { CallMeta, StoredTurn } from "./call-store.ts";
import type { TwilioStream } from "./twilio-stream.ts";

/** The mark Twilio echoes once the whole briefing has been heard by the target. */
export const BRIEFING_MARK = "briefing-done";
const QUOTE_MAX_CHARS = 240;

const quote = (text: string) => (text.length > QUOTE_MAX_CHARS ? `${text.slice(0, QUOTE_MAX_CHARS).replace(/\s+\S*$/, "")}…` : text);

/**
 * What the agent tells the person taking a warm transfer, built from the call's own turns (no model round trip
 * while the target waits): the optional announcement, who is calling, what the caller asked, and what the agent
 * last told them.
 */
export function briefingFor(meta: CallMeta, turns: StoredTurn[], announcement?: string | null): string {
  const spoken = turns.filter((t) => (t.role === "caller" || t.role === "agent") && t.text.trim());
  const caller = spoken.filter((t) => t.role === "caller").slice(-2);
  // The agent's answer to the caller's last words, if it gave one (not the greeting before them).
  const answer = spoken.at(-1)?.role === "agent" && caller.length ? spoken.at(-1)!.text.trim() : undefined;
  const parts = [
    announcement?.trim() || "Hi, this is the virtual assistant with a caller for you.",
    `The caller is on ${meta.from.replace(/^\+/, "").split("").join(" ")}.`,
    caller.length ? `They said: ${quote(caller.map((t) => t.text.trim()).join(" "))}` : "They haven't said much yet.",
    answer ? `I last told them: ${quote(answer)}` : "",
    "I'm connecting you now.",
  ];
  return parts.filter(Boolean).join(" ");
}

/**
 * Speaks the briefing on the target's media stream in the agent's own voice (the call's TTS provider and
 * voice), then sends a mark: its echo means the target heard all of it. `onDone` runs once: after the mark was
 * sent, or if speech failed (the target is then connected anyway: a missing briefing must not strand the caller).
 */
export async function speakBriefing(
  env: Env,
  voice: string,
  text: string,
  stream: TwilioStream,
  hooks: { sentMark(): void; failed(error: ProviderError | Error): void },
): Promise<{ characters: number }> {
  let finished = false;
  const tts = new DeepgramTextToSpeech({
    baseUrl: env.DEEPGRAM_API_BASE_URL,
    apiKey: env.DEEPGRAM_API_KEY,
    config: { voice },
    listener: {
      audio: (_id, mulaw) => void stream.sendMedia(bytesToBase64(mulaw)),
      done: () => {
        if (finished) return;
        finished = true;
        stream.sendMark(BRIEFING_MARK);
        hooks.sentMark();
        void tts.close();
      },
      failed: (error) => {
        if (finished) return;
        finished = true;
        hooks.failed(error);
      },
    },
  });
  try {
    await tts.connect();
  } catch (error) {
    if (!finished) {
      finished = true;
      hooks.failed(error as Error);
    }
    return { characters: 0 };
  }
  tts.speak(1, text);
  return { characters: text.length };
}
