/**
 * Chunks synthesised under one Deepgram `Flush`: one chunk normally, several once a socket's Flush budget runs low.
 * Deepgram returns one audio stream per Flush, so a merged group's audio is shared out between its chunks in
 * proportion to their text (estimated bytes per character); the last chunk takes whatever is left. The shares only
 * decide which chunk id the bytes carry (what the transcript counts as heard), never their order or their number.
 */
import type { TextToSpeechListener } from "./provider-types.ts";
import { splitSpeakText } from "./speak-text.ts";

export interface SpeakChunk {
  id: number;
  text: string;
}

/** The estimate is scaled down so an earlier chunk never claims audio that belongs to a later one's words. */
const SHARE_OF_ESTIMATE = 0.8;
/** One 20 ms μ-law frame. */
const RESERVED_BYTES_PER_CHUNK = 160;

export class FlushGroup<Link> {
  readonly chunks: SpeakChunk[];
  /** The socket this group was last sent on; undefined while it waits to be (re)sent. */
  link: Link | undefined;
  /** `Flushed` arrived: every byte of this attempt is in. */
  flushed = false;
  /** Lost once already with its socket: a second loss fails the speaker. */
  retried = false;
  /** Bytes received on the current attempt. */
  #received = 0;
  /** Bytes accepted over every attempt: a retry's re-synthesised audio resumes past them. */
  #accepted = 0;
  #pending: Uint8Array[] = [];
  #emitted = 0;
  #chunkIndex = 0;
  /** Cumulative byte offsets where each chunk but the last ends; set when first sent. */
  #ends: number[] | undefined;

  constructor(chunk: SpeakChunk) {
    this.chunks = [chunk];
    // Nothing to synthesise: complete in its turn without a round trip (an empty Flush may get no Flushed).
    this.flushed = chunk.text.trim().length === 0;
  }

  get characters(): number {
    return this.speakTexts().reduce((n, t) => n + t.length, 0);
  }

  /** Can take `other`'s chunks into its one Flush: neither was sent yet, and both have something to say. */
  canMerge(other: FlushGroup<Link>): boolean {
    return this.#ends === undefined && other.#ends === undefined && !this.flushed && !other.flushed && !other.retried && !this.retried;
  }

  merge(other: FlushGroup<Link>): void {
    this.chunks.push(...other.chunks);
  }

  /** The Speak messages' texts: chunks stay apart by a space, and none is over Deepgram's 2000 characters. */
  speakTexts(): string[] {
    return this.chunks.flatMap((c, i) => splitSpeakText(i < this.chunks.length - 1 && !/\s$/.test(c.text) ? `${c.text} ` : c.text));
  }

  /** A (re)send on `link`: this attempt's audio starts from byte 0 again. */
  sent(link: Link, bytesPerCharacter: number): void {
    this.link = link;
    this.flushed = false;
    this.#received = 0;
    if (this.#ends) return;
    let end = 0;
    this.#ends = this.chunks.slice(0, -1).map((c) => (end += Math.max(1, Math.round(c.text.length * bytesPerCharacter * SHARE_OF_ESTIMATE))));
  }

  /** The socket was lost: wait to be resent. */
  unsent(): void {
    this.link = undefined;
    this.flushed = false;
  }

  get receivedBytes(): number {
    return this.#received;
  }

  /** Audio of the current attempt; bytes an earlier attempt already delivered are skipped. */
  accept(bytes: Uint8Array): void {
    const start = this.#received;
    this.#received += bytes.length;
    if (this.#received <= this.#accepted) return;
    // Copied: the frame's buffer belongs to the socket.
    this.#pending.push(bytes.slice(Math.max(0, this.#accepted - start)));
    this.#accepted = this.#received;
  }

  /**
   * Hands what was accepted to the listener (the group is the oldest unfinished one); `stillCurrent` stops it after
   * a clear. Until `Flushed`, a frame's worth of audio per later chunk is held back, so that however wrong the
   * estimate, no chunk is left without audio (a chunk with none would never count as heard).
   */
  emit(listener: TextToSpeechListener, stillCurrent: () => boolean): void {
    const last = this.chunks.length - 1;
    while (this.#chunkIndex <= last && stillCurrent()) {
      const index = this.#chunkIndex;
      const reserve = RESERVED_BYTES_PER_CHUNK * (last - index);
      const estimate = this.#ends?.[index] ?? Infinity;
      const end = this.flushed ? Math.min(estimate, this.#accepted - reserve) : estimate;
      const upTo = Math.min(end, this.flushed ? this.#accepted : this.#accepted - reserve);
      if (upTo > this.#emitted) {
        listener.audio(this.chunks[index]!.id, this.#take(upTo - this.#emitted));
        continue;
      }
      if (index === last || this.#emitted < end) return;
      this.#chunkIndex++;
      listener.done(this.chunks[index]!.id);
    }
  }

  /** After `Flushed`: the rest of the audio, and every chunk not yet completed is. */
  finish(listener: TextToSpeechListener, stillCurrent: () => boolean): void {
    this.emit(listener, stillCurrent);
    while (this.#chunkIndex < this.chunks.length && stillCurrent()) listener.done(this.chunks[this.#chunkIndex++]!.id);
  }

  /** The next `count` accepted bytes (count ≤ what is pending). */
  #take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let offset = 0; offset < count; ) {
      const head = this.#pending[0]!;
      const n = Math.min(head.length, count - offset);
      out.set(head.subarray(0, n), offset);
      offset += n;
      if (n === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(n);
    }
    this.#emitted += count;
    return out;
  }
}
