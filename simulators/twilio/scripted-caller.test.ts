import { afterEach, describe, expect, it } from "vitest";
import { UtteranceRegistry } from "../common/utterance-registry.ts";
import { buildClearMessage, buildMarkMessage, buildMediaMessage } from "../../shared/protocol/twilio-media.ts";
import { attachTestAgent } from "./testing/test-agent.ts";
import { connectTwiml, startHarness, type Harness } from "./testing/harness.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Records when each utterance was registered, to check it happens before its audio reaches the platform. */
class TimedRegistry extends UtteranceRegistry {
  readonly expectedAt: number[] = [];
  override expect(callSid: string, text: string): void {
    this.expectedAt.push(performance.now());
    super.expect(callSid, text);
  }
}

describe("scripted caller", () => {
  it("waits for the agent, takes turns, barges in, and measures voice-to-voice gaps", async () => {
    const registry = new TimedRegistry();
    h = await startHarness({ speed: 10, registry });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring(`
waitSilenceMs: 400
steps:
  - waitForAgent: true
  - say: I need a table tonight
  - say: for two people please
    interruptAfterMs: 300
  - waitForAgent: true
  - hangup: true
`);
    const stream = await h.platform.nextStream();
    const agent = attachTestAgent(stream, { greetingMs: 1000, replyMs: 1500, endOfSpeechFrames: 10 });
    const recording = await call.ended;

    expect(registry.pending(call.callSid)).toEqual(["I need a table tonight", "for two people please"]);
    expect(registry.expectedAt).toHaveLength(2);
    expect(agent.speechStarts).toHaveLength(2);
    registry.expectedAt.forEach((t, i) => expect(t).toBeLessThan(agent.speechStarts[i]!));

    const [greeting, reply1, reply2, reply3] = recording.agentAudio;
    expect(recording.agentAudio).toHaveLength(3);
    expect(greeting).toMatchObject({ bytes: 8000, cutShort: false });
    const [turn1, turn2] = recording.turns;
    // Turn 1 starts once the greeting has played and 400 ms of silence passed; 5 words × 250 ms of speech.
    expect(turn1).toMatchObject({ index: 0, text: "I need a table tonight", bargeIn: false });
    expect(turn1!.speechStartMs - greeting!.endMs).toBeGreaterThanOrEqual(400);
    expect(turn1!.speechStartMs - greeting!.endMs).toBeLessThan(440);
    expect(turn1!.speechEndMs - turn1!.speechStartMs).toBe(1250);
    // The agent answers after 10 silent frames (200 ms) plus transport (wall time, magnified by the 10× call clock).
    expect(turn1!.firstAgentAudioMs).toBe(reply1!.startMs);
    expect(turn1!.voiceToVoiceMs).toBeGreaterThanOrEqual(200);
    // How much transport adds is the machine's load; the gap is measured from the end of speech to the reply.
    expect(turn1!.voiceToVoiceMs).toBe(reply1!.startMs - turn1!.speechEndMs);

    // Turn 2 barges in 300 ms into the reply; the agent clears the rest of it.
    expect(turn2).toMatchObject({ index: 1, bargeIn: true });
    expect(turn2!.speechStartMs - reply1!.startMs).toBeGreaterThanOrEqual(300);
    expect(turn2!.speechStartMs - reply1!.startMs).toBeLessThan(320);
    expect(reply1!.cutShort).toBe(true);
    expect(recording.clears).toHaveLength(1);
    expect(recording.clears[0]!.discardedBytes).toBeGreaterThan(0);
    expect(recording.clears[0]!.discardedBytes + reply1!.bytes).toBeLessThanOrEqual(12000);
    expect(recording.clears[0]!.marksReturned).toEqual(["say-2"]);
    expect(turn2!.firstAgentAudioMs).toBe(reply2!.startMs);
    expect(turn2!.voiceToVoiceMs).toBeGreaterThanOrEqual(200);

    // The last waitForAgent covers the agent's answer, then the caller hangs up.
    expect(reply3).toBeUndefined();
    expect(recording).toMatchObject({ status: "completed", endReason: "caller-hangup" });
    expect(recording.endedAtMs!).toBeGreaterThanOrEqual(reply2!.endMs + 400);
    expect(JSON.parse(JSON.stringify(recording))).toEqual(recording);
  });

  it("speaks real synthesized μ-law speech and ends on maxDurationMs", async () => {
    h = await startHarness({ speed: 10, realSpeech: true });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ maxDurationMs: 3000, steps: [{ say: "hello", immediately: true }] });
    const stream = await h.platform.nextStream();
    const recording = await call.ended;
    const speechFrames = stream.messages.filter((m) => m.message.event === "media" && Buffer.from(m.message.media.payload, "base64").some((b) => b !== 0xff));
    expect(speechFrames.length).toBeGreaterThan(5);
    const turn = recording.turns[0]!;
    expect(Math.ceil((turn.speechEndMs - turn.speechStartMs) / 20)).toBe(speechFrames.length);
    expect(recording.endReason).toBe("max-duration");
    expect(recording.endedAtMs! - recording.answeredAtMs!).toBeGreaterThanOrEqual(3000);
  });

  // A reply whose second half arrives late (a busy machine): 400 ms of audio, 1 s of nothing, 400 ms more.
  const waitThenSay = [{ waitForAgent: true }, { say: "hello there" }, { waitForAgent: true, timeoutMs: 2000 }, { hangup: true }];
  // The wait ends at the pause (replies: 0); the plain say after it must still not start inside the reply.
  const pauseThenSay = [{ waitForAgent: true, replies: 0 }, { say: "hello there" }, { waitForAgent: true, timeoutMs: 2000 }, { hangup: true }];
  for (const [replyEndMark, speaksInTheGap, steps] of [
    [undefined, true, waitThenSay],
    ["reply-end-", false, waitThenSay],
    ["reply-end-", false, pauseThenSay],
  ] as const) {
    it(`${speaksInTheGap ? "takes a pause for the end of a reply" : "waits for the reply's end mark across a pause"} (replyEndMark ${replyEndMark}${steps === pauseThenSay ? ", a plain say after a pause" : ""})`, async () => {
      h = await startHarness({ speed: 10 });
      h.platform.route("/voice", connectTwiml(h.platform));
      const call = await h.ring({ waitSilenceMs: 300, ...(replyEndMark ? { replyEndMark } : {}), steps });
      const stream = await h.platform.nextStream();
      const start = await stream.waitFor((m) => m.event === "start");
      const streamSid = start.event === "start" ? start.streamSid : "";
      const sendAudio = (ms: number, ...marks: string[]) => {
        stream.send(buildMediaMessage(streamSid, Buffer.alloc(ms * 8, 0x22).toString("base64")));
        for (const name of marks) stream.send(buildMarkMessage(streamSid, name));
      };
      sendAudio(400, "chunk-1");
      // The caller's own frames carry stream time: one stamped past 1.4 s proves the pause outlasted the 300 ms.
      await stream.waitFor((m) => m.event === "media" && Number(m.media.timestamp) >= 1400);
      sendAudio(400, "chunk-2", "reply-end-1");
      const recording = await call.ended;

      const [first, second] = recording.agentAudio;
      expect(second!.startMs - first!.endMs).toBeGreaterThan(2 * 300);
      const turn = recording.turns[0]!;
      if (speaksInTheGap) {
        expect(turn.speechStartMs).toBeLessThan(second!.startMs);
      } else {
        expect(turn.speechStartMs - second!.endMs).toBeGreaterThanOrEqual(300);
        expect(turn.bargeIn).toBe(false);
      }
    });
  }

  /**
   * A caller who talks `interruptAfterMs` into the agent's first audio, then waits for two replies to end, says
   * "bye" and hangs up; the test plays the platform: audio, marks and clears on the call's stream.
   */
  async function ringForTwoReplies(interruptAfterMs: number) {
    h = await startHarness({ speed: 10 });
    h.platform.route("/voice", connectTwiml(h.platform));
    const steps = [{ say: "hello there", interruptAfterMs }, { waitForAgent: true, replies: 2 }, { say: "bye" }, { hangup: true }];
    const call = await h.ring({ waitSilenceMs: 300, agentTimeoutMs: 3000, replyEndMark: "reply-end-", steps });
    const stream = await h.platform.nextStream();
    const start = await stream.waitFor((m) => m.event === "start");
    const streamSid = start.event === "start" ? start.streamSid : "";
    return {
      call,
      audio: (ms: number) => stream.send(buildMediaMessage(streamSid, Buffer.alloc(ms * 8, 0x22).toString("base64"))),
      mark: (name: string) => stream.send(buildMarkMessage(streamSid, name)),
      clear: () => stream.send(buildClearMessage(streamSid)),
      /** Resolves once the caller's stream time reaches `ms`. */
      streamTime: (ms: number) => stream.waitFor((m) => m.event === "media" && Number(m.media.timestamp) >= ms),
    };
  }

  it("counts a reply that ends while the caller is still speaking toward the wait that follows (replies: 2)", async () => {
    const { call, audio, mark, streamTime } = await ringForTwoReplies(100);
    // The first reply ends 400 ms in, under the caller's question (which starts 100 ms in and lasts longer).
    audio(400);
    mark("reply-end-1");
    await streamTime(2000);
    audio(400);
    mark("reply-end-2");
    const recording = await call.ended;

    const [first, second] = recording.agentAudio;
    const [question, bye] = recording.turns;
    expect(question!.speechStartMs).toBeLessThan(first!.endMs);
    expect(question!.speechEndMs).toBeGreaterThan(first!.endMs);
    // The second reply's end completes the wait: the caller does not sit out agentTimeoutMs for a third one.
    expect(bye!.speechStartMs - second!.endMs).toBeGreaterThanOrEqual(300);
    expect(bye!.speechStartMs - second!.endMs).toBeLessThan(3000);
    expect(recording.errors).toEqual([]);
  });

  it("counts a reply-end mark flushed by a clear (it sat behind the next reply's audio) as its reply's end", async () => {
    const { call, audio, mark, clear, streamTime } = await ringForTwoReplies(600);
    // A disclosure heard in full, then a greeting already queued when the platform marks the disclosure's end.
    audio(400);
    audio(2000);
    mark("reply-end-1");
    // The caller talks over the greeting; the platform clears it, and the disclosure's mark with it.
    await streamTime(1000);
    clear();
    await streamTime(2500);
    audio(400);
    mark("reply-end-2");
    const recording = await call.ended;

    expect(recording.marks.find((m) => m.name === "reply-end-1")).toMatchObject({ cleared: true });
    const answer = recording.agentAudio.at(-1)!;
    const bye = recording.turns.at(-1)!;
    expect(bye.speechStartMs - answer.endMs).toBeGreaterThanOrEqual(300);
    expect(bye.speechStartMs - answer.endMs).toBeLessThan(3000);
    expect(recording.errors).toEqual([]);
  });

  it("notes a waitForAgent that times out and carries on", async () => {
    h = await startHarness({ speed: 20 });
    h.platform.route("/voice", connectTwiml(h.platform));
    const call = await h.ring({ steps: [{ waitForAgent: true, timeoutMs: 500 }, { dtmf: "5" }, { hangup: true }] });
    await h.platform.nextStream();
    const recording = await call.ended;
    expect(recording.errors).toEqual([{ code: 0, message: "step 0: waitForAgent timed out", atMs: expect.any(Number) }]);
    expect(recording.dtmf.map((d) => d.digit)).toEqual(["5"]);
  });
});
