import type {
  ChatMessage,
  FluxTurnEvent,
  LanguageModel,
  LlmEvent,
  LlmRequest,
  SpeechToText,
  SpeechToTextListener,
  TextToSpeech,
  TextToSpeechListener,
} from "../../providers/provider-types.ts";
import type { AudioSink } from "../stages/playback.ts";

/** Deterministic stand-ins for the providers, behind the same interfaces, for stage and pipeline tests. */
export class FakeSpeechToText implements SpeechToText {
  listener!: SpeechToTextListener;
  audioBytes = 0;
  readonly stats = { reconnects: 0, audioMsSent: 0, audioMsReplayed: 0, keepAlives: 0 };
  async connect() {}
  sendAudio(mulaw: Uint8Array) {
    this.audioBytes += mulaw.length;
  }
  finalize() {}
  keepAlive() {
    this.stats.keepAlives++;
  }
  async close() {}

  /** The caller said `text`, ending at `endMs` on the audio clock. */
  say(text: string, endMs: number, opts: { interim?: boolean; speechFinal?: boolean } = {}) {
    this.listener.transcript({ text, words: wordsEndingAt(text, endMs), isFinal: !opts.interim, speechFinal: opts.speechFinal ?? !opts.interim, fromFinalize: false });
  }
}

const wordsEndingAt = (text: string, endMs: number) => text.split(" ").map((word, i, all) => ({ word, startMs: endMs - (all.length - i) * 300, endMs: endMs - (all.length - i - 1) * 300 }));

/** Deepgram Flux as the listener sees it: `Update`s as interim transcripts, and its turn events. */
export class FakeFluxSpeechToText extends FakeSpeechToText {
  readonly turnDetection = "flux";
  #turnIndex = 0;

  /** An `Update`: the turn's transcript so far. */
  update(transcript: string, endMs: number) {
    this.listener.transcript({ text: transcript, words: wordsEndingAt(transcript, endMs), isFinal: false, speechFinal: false, fromFinalize: false });
  }

  /** A TurnInfo event of the current turn; `EndOfTurn` moves on to the next turn index. */
  turn(event: FluxTurnEvent, transcript: string, endMs: number) {
    if (event === "StartOfTurn") this.listener.speechStarted(endMs);
    this.listener.turnInfo!({ event, turnIndex: this.#turnIndex, transcript, words: transcript ? wordsEndingAt(transcript, endMs) : [], endOfTurnConfidence: event === "EndOfTurn" ? 0.9 : 0.6 });
    if (event === "EndOfTurn") this.#turnIndex++;
  }
}

export class FakeTextToSpeech implements TextToSpeech {
  listener!: TextToSpeechListener;
  spoken: string[] = [];
  clears = 0;
  #pending = new Set<number>();
  readonly stats = { characters: 0, reconnects: 0 };
  /** Each chunk's audio streams in `pieces` parts, `pieceDelayMs` apart, like a streaming socket. */
  constructor(private readonly opts: { bytesPerChar?: number; pieces?: number; pieceDelayMs?: number } = {}) {}
  async connect() {}
  speak(id: number, text: string) {
    this.spoken.push(text);
    this.#pending.add(id);
    const bytes = new Uint8Array(text.length * (this.opts.bytesPerChar ?? 80)).fill(0x7f);
    const pieces = this.opts.pieces ?? 2;
    const size = Math.ceil(bytes.length / pieces);
    const send = (i: number) =>
      setTimeout(() => {
        if (!this.#pending.has(id)) return;
        this.listener.audio(id, bytes.subarray(i * size, (i + 1) * size));
        if (i + 1 < pieces) return send(i + 1);
        this.#pending.delete(id);
        this.listener.done(id);
      }, this.opts.pieceDelayMs ?? 1);
    send(0);
  }
  clear() {
    this.clears++;
    this.#pending.clear();
  }
  async close() {}
}

export type ScriptedReply = LlmEvent[] | ((request: LlmRequest) => LlmEvent[]);

/**
 * Why Bedrock would answer these messages with a 400 ValidationException, or undefined when it accepts them:
 * a user message first and last, alternating roles, no empty content or blank text, tool blocks on their own
 * side, and every assistant toolUse answered by the next user message's toolResults (those and no others).
 */
export function bedrockHistoryProblem(messages: readonly ChatMessage[]): string | undefined {
  if (messages[0]?.role !== "user") return "must start with a user message";
  if (messages.at(-1)!.role !== "user") return "must end with a user message";
  for (const [i, m] of messages.entries()) {
    if (i > 0 && m.role === messages[i - 1]!.role) return `messages.${i}: roles must alternate`;
    if (m.content.length === 0) return `messages.${i}: empty content`;
    for (const b of m.content) {
      if ("text" in b && b.text.trim() === "") return `messages.${i}: blank text block`;
      if ("toolUse" in b && m.role !== "assistant") return `messages.${i}: toolUse outside an assistant message`;
      if ("toolResult" in b && m.role !== "user") return `messages.${i}: toolResult outside a user message`;
    }
    if (m.role !== "user") continue;
    const uses = (messages[i - 1]?.content ?? []).flatMap((b) => ("toolUse" in b ? [b.toolUse.toolUseId] : []));
    const results = m.content.flatMap((b) => ("toolResult" in b ? [b.toolResult.toolUseId] : []));
    if (results.length !== uses.length || uses.some((id) => !results.includes(id))) {
      return `messages.${i}: toolResults [${results}] do not answer toolUses [${uses}]`;
    }
  }
  return undefined;
}

/**
 * Replies in order; each event is yielded after `delayMs`, so a turn can be interrupted mid-stream. A request
 * Bedrock would reject fails like Bedrock's 400 (recorded in `rejected`), without using up a reply.
 */
export class FakeLanguageModel implements LanguageModel {
  requests: LlmRequest[] = [];
  rejected: string[] = [];
  aborted = 0;
  /** Events handed out, all requests together. */
  yielded = 0;
  constructor(
    private readonly replies: ScriptedReply[],
    private readonly delayMs = 1,
  ) {}
  async *stream(request: LlmRequest, signal: AbortSignal): AsyncIterable<LlmEvent> {
    this.requests.push(structuredClone(request));
    const problem = bedrockHistoryProblem(request.messages);
    if (problem) {
      this.rejected.push(problem);
      throw new Error(`ValidationException: ${problem}`);
    }
    const reply = this.replies.shift() ?? [{ type: "text", text: "Okay." }, { type: "stop", reason: "end_turn" }];
    for (const event of typeof reply === "function" ? reply(request) : reply) {
      await new Promise((r) => setTimeout(r, this.delayMs));
      if (signal.aborted) {
        this.aborted++;
        return;
      }
      this.yielded++;
      yield event;
    }
  }
}

export const text = (t: string): LlmEvent[] => [...t.split(/(?<= )/).map((w) => ({ type: "text" as const, text: w })), { type: "stop", reason: "end_turn" }];

export class RecordingSink implements AudioSink {
  media = 0;
  bytes = 0;
  marks: string[] = [];
  clears = 0;
  log: string[] = [];
  sendMedia(payload: string) {
    this.media++;
    this.bytes += atob(payload).length;
    if (this.log[this.log.length - 1] !== "media") this.log.push("media");
    return true;
  }
  sendMark(name: string) {
    this.marks.push(name);
    this.log.push(`mark:${name}`);
    return true;
  }
  sendClear() {
    this.clears++;
    this.log.push("clear");
    return true;
  }
}
