/**
 * Turn analysis: joins the wire tap's timestamps with the Twilio simulator's recording and the Bedrock request log
 * into one record per caller turn, split into provider time and platform time.
 *
 *   caller speech ends ─ endpointing ─▶ frame that completes the endpointing silence leaves Twilio (t_ep)
 *   ─ ingress (platform) ─▶ Deepgram has that audio ─ STT final (provider) ─▶ final sent
 *   ─ platform ─▶ Bedrock request arrives ─ first token (provider, incl. the simulator's own work) ─ first clause
 *   (provider) ─▶ clause written
 *   ─ platform ─▶ TTS Flush ─ TTS first byte (provider) ─▶ first audio byte sent
 *   ─ egress (platform) ─▶ first agent media frame reaches Twilio (t_out)
 *
 * turn gap = t_out − t_ep; platform overhead = turn gap − provider time (the four platform hops).
 */
import type { RequestRecord } from "../simulators/bedrock/index.ts";
import type { PlacedCall } from "./world.ts";
import { firstAtOrAfter, lowerBound, type WireTap } from "./wiretap.ts";

export interface TurnSample {
  callerNo: number;
  turn: number;
  /** Voice-to-voice as the simulated caller heard it (call clock; agent audio starts on a 20 ms frame boundary). */
  v2vCallerMs: number | null;
  /** End of caller speech → first agent media frame at Twilio, wall clock from the tap (not frame-quantised). */
  v2vMs: number;
  endpointingMs: number;
  sttMs: number;
  llmFirstTokenMs: number;
  firstClauseMs: number;
  ttsFirstByteMs: number;
  /** Platform hops. */
  ingressMs: number;
  sttToLlmMs: number;
  llmToTtsMs: number;
  egressMs: number;
  turnGapMs: number;
  providerMs: number;
  overheadMs: number;
  /** LLM request sent before the final transcript (early start). */
  llmBeforeFinal: boolean;
}

export interface PlaybackSample {
  /** Largest gap between consecutive agent media frames within one reply, at Twilio. */
  maxGapMs: number;
  frames: number;
  /** Frames behind their real-time slot (anchored at the reply's first frame, re-anchored after a late frame). */
  late20: number;
  late40: number;
  maxLatenessMs: number;
}

const tagOf = (callerNo: number, turn: number) => new RegExp(`caller ${callerNo} turn ${turn}\\b`, "i");

function lastUserText(body: any): string {
  const messages: any[] = body?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== "user") continue;
    return (m.content ?? []).map((b: any) => (typeof b.text === "string" ? b.text : "")).join(" ");
  }
  return "";
}

export interface CallAnalysis {
  turns: TurnSample[];
  playback: PlaybackSample | undefined;
  missing: string[];
}

export function analyzeCall(tap: WireTap, call: PlacedCall, bedrockLog: RequestRecord[], speed: number): CallAnalysis {
  const missing: string[] = [];
  const rec = call.recording;
  const tw = tap.twilio.get(call.callSid);
  const stream = rec.streams[0];
  const listen = tap.listen.find((l) => l.callSid === call.callSid);
  if (!tw || !stream || stream.startedAtMs === null || !listen) return { turns: [], playback: undefined, missing: [`call ${call.callerNo}: no stream/listen tap`] };
  const wallOf = (callMs: number) => tw.startSentAt + (callMs - stream.startedAtMs!) / speed;
  const turns: TurnSample[] = [];
  // Replies are separated by the caller's turns: the greeting, then whatever follows each utterance.
  const replyStarts: number[] = [];
  if (tw.agentMedia[0] !== undefined) replyStarts.push(tw.agentMedia[0]);
  for (const ct of rec.turns) {
    const first = firstAtOrAfter(tw.agentMedia, wallOf(ct.speechEndMs));
    if (first !== undefined) replyStarts.push(first);
  }

  for (const ct of rec.turns) {
    const m = /caller (\d+) turn (\d+)/i.exec(ct.text);
    if (!m) continue;
    const turn = Number(m[2]);
    const tag = tagOf(call.callerNo, turn);
    const speechEnd = wallOf(ct.speechEndMs);
    const final = listen.finals.find((f) => f.speechFinal && f.at > wallOf(ct.speechStartMs));
    const requests = bedrockLog.filter((r) => r.operation === "ConverseStream" && tag.test(lastUserText(r.body)));
    const speakSocket = tap.speak.find((s) => s.speaks.some((sp) => tag.test(sp.text)));
    const speak = speakSocket?.speaks.find((sp) => tag.test(sp.text));
    if (!final || requests.length === 0 || !speakSocket || !speak) {
      missing.push(`call ${call.callerNo} turn ${turn}: ${!final ? "final " : ""}${requests.length === 0 ? "llm " : ""}${!speak ? "speak" : ""}`);
      continue;
    }
    // The request whose reply was spoken: the last one with this turn's text that began before the Speak.
    const bedrock = requests
      .map((r) => ({ r, t: tap.bedrock.get(r.requestId) }))
      .filter((x) => x.t?.clauseDoneAt !== undefined && x.t.clauseDoneAt <= speak.at)
      .at(-1);
    const k = Math.ceil(final.endAudioMs / 20 - 1e-6);
    const epSent = tw.mediaSent[k - 1];
    const recvIdx = lowerBound(listen.recvBytes, final.endAudioMs * 8 - 1e-6);
    const dgRecv = listen.recvAt[recvIdx];
    const flush = firstAtOrAfter(speakSocket.flushes, speak.at);
    const ttsFirst = flush === undefined ? undefined : firstAtOrAfter(speakSocket.audioSent, flush);
    const firstMedia = ttsFirst === undefined ? undefined : firstAtOrAfter(tw.agentMedia, ttsFirst);
    if (!bedrock || epSent === undefined || dgRecv === undefined || flush === undefined || ttsFirst === undefined || firstMedia === undefined) {
      missing.push(`call ${call.callerNo} turn ${turn}: incomplete (${[!bedrock && "bedrock", epSent === undefined && "ep", dgRecv === undefined && "dg", flush === undefined && "flush", ttsFirst === undefined && "tts", firstMedia === undefined && "media"].filter(Boolean).join(",")})`);
      continue;
    }
    const firstTokenAt = bedrock.t!.firstDeltaAt!;
    const llmReq = bedrock.t!.requestAt;
    const clauseAt = bedrock.t!.clauseDoneAt!;
    const sample: TurnSample = {
      callerNo: call.callerNo,
      turn,
      v2vCallerMs: ct.voiceToVoiceMs,
      v2vMs: firstMedia - speechEnd,
      endpointingMs: epSent - speechEnd,
      sttMs: final.at - dgRecv,
      llmFirstTokenMs: firstTokenAt - llmReq,
      firstClauseMs: clauseAt - firstTokenAt,
      ttsFirstByteMs: ttsFirst - flush,
      ingressMs: dgRecv - epSent,
      sttToLlmMs: llmReq - final.at,
      llmToTtsMs: flush - clauseAt,
      egressMs: firstMedia - ttsFirst,
      turnGapMs: firstMedia - epSent,
      providerMs: 0,
      overheadMs: 0,
      llmBeforeFinal: llmReq < final.at,
    };
    // With early start the model runs while STT finishes: the provider part of the critical path is then from the
    // endpointing audio reaching Deepgram to the later of the final and the first clause.
    sample.providerMs = sample.llmBeforeFinal
      ? Math.max(final.at, clauseAt) - dgRecv + sample.ttsFirstByteMs
      : sample.sttMs + sample.llmFirstTokenMs + sample.firstClauseMs + sample.ttsFirstByteMs;
    sample.overheadMs = sample.turnGapMs - sample.providerMs;
    turns.push(sample);
  }
  return { turns, playback: playbackOf(tw.agentMedia, replyStarts, tw.agentMediaMs), missing };
}

/**
 * Frame pacing at Twilio, reply by reply (a reply runs from its first frame to the next reply's first frame). Each
 * message is due when the audio before it in the reply has played (`durationsMs`, 20 ms each when not given): a
 * message later than that by more than 20 / 40 ms is late, and the schedule restarts from it.
 */
export function playbackOf(arrivals: readonly number[], replyStarts: number[], durationsMs: readonly number[] = []): PlaybackSample {
  const starts = [...new Set(replyStarts)].sort((a, b) => a - b);
  const out: PlaybackSample = { maxGapMs: 0, frames: arrivals.length, late20: 0, late40: 0, maxLatenessMs: 0 };
  for (let r = 0; r < starts.length; r++) {
    const from = lowerBound(arrivals, starts[r]!);
    const to = r + 1 < starts.length ? lowerBound(arrivals, starts[r + 1]!) : arrivals.length;
    let due = arrivals[from]!;
    for (let i = from; i < to; i++) {
      const t = arrivals[i]!;
      if (i > from) out.maxGapMs = Math.max(out.maxGapMs, t - arrivals[i - 1]!);
      const lateness = t - due;
      out.maxLatenessMs = Math.max(out.maxLatenessMs, lateness);
      if (lateness > 20) {
        out.late20++;
        if (lateness > 40) out.late40++;
        due = t;
      }
      due += durationsMs[i] ?? 20;
    }
  }
  return out;
}
