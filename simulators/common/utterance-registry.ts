/**
 * What the scripted caller is about to say, per call, so the Deepgram simulator can "transcribe" it.
 * The caller (Twilio simulator) calls `expect(callSid, text)` just before sending that utterance's audio; a listen
 * stream opened with `extra=call_sid:<CallSid>` peeks the head of that call's queue for each speech segment and
 * consumes it only once the segment's `speech_final` result was sent. A stream that drops mid-utterance and is
 * reopened therefore hears the same words again.
 */
export interface ExpectedUtterance {
  /** Unique per registry, so a consume for a stale peek can't remove a newer entry. */
  id: number;
  /** undefined for the default queue. */
  callSid: string | undefined;
  text: string;
  expectedAtMs: number;
  /**
   * The opening bytes of the utterance's sound as sent on the line (μ-law, past any leading digital silence), when
   * the caller said which audio carries it: a listen stream finds where the utterance begins in its own audio.
   */
  signature?: Uint8Array;
}

export const SIGNATURE_BYTES = 32;
const MULAW_SILENCE = 0xff;

export type UtteranceListener = (utterance: ExpectedUtterance) => void;

export class UtteranceRegistry {
  #nextId = 1;
  #byCall = new Map<string, ExpectedUtterance[]>();
  #defaults: ExpectedUtterance[] = [];
  #heard = new Map<string | undefined, ExpectedUtterance[]>();
  #listeners = new Set<UtteranceListener>();

  /** Queues `text` as the next thing said on `callSid`; `mulaw` is the audio about to carry it, if known. */
  expect(callSid: string, text: string, mulaw?: Uint8Array): void {
    const queue = this.#byCall.get(callSid) ?? [];
    queue.push({ ...this.#make(callSid, text), ...(mulaw ? { signature: signatureOf(mulaw) } : {}) });
    this.#byCall.set(callSid, queue);
  }

  /** Replaces the queue used by streams without `extra=call_sid`. */
  setDefaultTranscripts(texts: readonly string[]): void {
    this.#defaults = texts.map((t) => this.#make(undefined, t));
  }

  addDefaultTranscript(text: string): void {
    this.#defaults.push(this.#make(undefined, text));
  }

  /** The utterance a new speech segment on this call would hear, without consuming it. */
  peek(callSid: string | undefined): ExpectedUtterance | undefined {
    return this.#queue(callSid)[0];
  }

  /** Everything still queued for a call (or the default queue), oldest first. */
  upcoming(callSid: string | undefined): readonly ExpectedUtterance[] {
    return [...this.#queue(callSid)];
  }

  /** Marks `utterance` as heard (its `speech_final` was sent). Returns false when it was already consumed. */
  consume(utterance: ExpectedUtterance): boolean {
    const queue = this.#queue(utterance.callSid);
    const index = queue.findIndex((u) => u.id === utterance.id);
    if (index < 0) return false;
    queue.splice(index, 1);
    const heard = this.#heard.get(utterance.callSid) ?? [];
    heard.push(utterance);
    this.#heard.set(utterance.callSid, heard);
    for (const listener of this.#listeners) listener(utterance);
    return true;
  }

  /** Texts still waiting to be heard on a call (or the default queue). */
  pending(callSid?: string): string[] {
    return this.#queue(callSid).map((u) => u.text);
  }

  /** Texts already heard (consumed), in order. */
  heard(callSid?: string): string[] {
    return (this.#heard.get(callSid) ?? []).map((u) => u.text);
  }

  /** Called whenever an utterance is consumed; returns an unsubscribe function. */
  onHeard(listener: UtteranceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets one call, or everything when no callSid is given. */
  clear(callSid?: string): void {
    if (callSid === undefined) {
      this.#byCall.clear();
      this.#defaults = [];
      this.#heard.clear();
      return;
    }
    this.#byCall.delete(callSid);
    this.#heard.delete(callSid);
  }

  #queue(callSid: string | undefined): ExpectedUtterance[] {
    if (callSid === undefined) return this.#defaults;
    return this.#byCall.get(callSid) ?? [];
  }

  #make(callSid: string | undefined, text: string): ExpectedUtterance {
    return { id: this.#nextId++, callSid, text, expectedAtMs: Date.now() };
  }
}

/** Undefined for audio too short or too silent to be found again. */
function signatureOf(mulaw: Uint8Array): Uint8Array | undefined {
  const start = mulaw.findIndex((b) => b !== MULAW_SILENCE);
  return start >= 0 && mulaw.length - start >= SIGNATURE_BYTES ? mulaw.slice(start, start + SIGNATURE_BYTES) : undefined;
}
