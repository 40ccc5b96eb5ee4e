import { describe, expect, it } from "vitest";
import type { CallRecording } from "../../simulators/twilio/index.ts";
import { callProblems, type CallDetail } from "./call-report.ts";

const call = (over: Partial<CallDetail> = {}): CallDetail => ({ id: "CAL-1", status: "completed", end_reason: "twilio:completed", duration_seconds: 9, turns: [], usage: null, events: [], ...over });
const turn = (text: string, firstAgentAudioMs: number | null) => ({ index: 0, text, speechStartMs: 0, speechEndMs: 1, bargeIn: false, firstAgentAudioMs, voiceToVoiceMs: firstAgentAudioMs });
const recording = (over: Partial<CallRecording> = {}) => ({ turns: [turn("hello", 900)], errors: [], endReason: "twiml-hangup", ...over }) as CallRecording;

describe("callProblems (the call CLI's and the demo's verdict)", () => {
  it("passes a completed call whose caller was answered", () => {
    expect(callProblems(call(), recording())).toEqual([]);
  });

  it("fails a call that did not complete, apologised, lost a provider or hit a Twilio error", () => {
    expect(callProblems(call({ status: "failed", end_reason: "twilio_error:21210" }), recording())).toEqual(["the call ended failed (twilio_error:21210)"]);
    expect(callProblems(call({ events: [{ type: "stream.exit", data: { kind: "apology" } }] }), recording())).toEqual(["the agent apologised and ended the call (a provider failed)"]);
    expect(callProblems(call({ events: [{ type: "provider.failed", data: { provider: "stt" } }] }), recording())).toEqual(['provider.failed: {"provider":"stt"}']);
    expect(callProblems(call(), recording({ errors: [{ code: 11200, message: "HTTP retrieval failure", atMs: 5 }, { code: 0, message: "script note", atMs: 6 }] }))).toEqual(["Twilio error 11200: HTTP retrieval failure"]);
  });

  it("fails a call that left the caller's last words unanswered, unless the caller hung up on purpose", () => {
    expect(callProblems(call(), recording({ turns: [turn("hello", 900), turn("are you there?", null)] }))).toEqual(['the caller\'s last words ("are you there?") got no answer']);
    expect(callProblems(call(), recording({ turns: [turn("bye", null)], endReason: "caller-hangup" }))).toEqual([]);
  });
});
