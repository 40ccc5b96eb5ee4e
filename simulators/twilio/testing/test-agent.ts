import { buildClearMessage, buildMarkMessage, buildMediaMessage } from "../../../shared/protocol/twilio-media.ts";
import type { RecordedStream } from "./fake-platform.ts";

/**
 * A toy voice agent for tests, speaking Media Streams like the platform would: greets on `start`, detects caller
 * speech with a trivial VAD (any non-silent byte), replies after `endOfSpeechFrames` silent frames, and on barge-in
 * (caller speech while its own audio is pending) sends `clear`.
 */
export interface TestAgentOptions {
  greetingMs?: number;
  replyMs?: number;
  endOfSpeechFrames?: number;
}

export interface TestAgent {
  /** performance.now() of the first non-silent inbound frame of each caller utterance. */
  speechStarts: number[];
  clearsSent: number;
}

export function attachTestAgent(stream: RecordedStream, opts: TestAgentOptions = {}): TestAgent {
  const { greetingMs = 1000, replyMs = 1500, endOfSpeechFrames = 10 } = opts;
  const agent: TestAgent = { speechStarts: [], clearsSent: 0 };
  let streamSid = "";
  let pendingMarks = 0;
  let markNo = 0;
  let inSpeech = false;
  let silentFrames = 0;
  const say = (ms: number) => {
    stream.send(buildMediaMessage(streamSid, Buffer.alloc(ms * 8, 0x22).toString("base64")));
    stream.send(buildMarkMessage(streamSid, `say-${++markNo}`));
    pendingMarks++;
  };
  stream.socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.event === "start") {
      streamSid = message.streamSid;
      say(greetingMs);
    } else if (message.event === "mark") {
      pendingMarks = Math.max(0, pendingMarks - 1);
    } else if (message.event === "media") {
      const speech = Buffer.from(message.media.payload, "base64").some((b: number) => b !== 0xff);
      if (speech && !inSpeech) {
        inSpeech = true;
        agent.speechStarts.push(performance.now());
        if (pendingMarks > 0) {
          stream.send(buildClearMessage(streamSid));
          agent.clearsSent++;
        }
      }
      silentFrames = speech ? 0 : silentFrames + 1;
      if (inSpeech && silentFrames >= endOfSpeechFrames) {
        inSpeech = false;
        say(replyMs);
      }
    }
  });
  return agent;
}
