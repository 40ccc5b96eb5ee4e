/**
 * What the agent said and what the caller actually heard, per turn. Playback writes it (from the audio it sent
 * and the marks Twilio echoed); the conversation reads it when a turn is interrupted, so the history holds only
 * the words that reached the caller's ear.
 */
interface ChunkRecord {
  turnId: number;
  chunkId: number;
  text: string;
  heardFraction: number;
}

export class SpeechLedger {
  readonly #chunks = new Map<number, ChunkRecord>();

  said(turnId: number, chunkId: number, text: string): void {
    this.#chunks.set(chunkId, { turnId, chunkId, text, heardFraction: 0 });
  }

  heard(chunkId: number, fraction: number): void {
    const chunk = this.#chunks.get(chunkId);
    if (chunk) chunk.heardFraction = Math.max(chunk.heardFraction, Math.min(1, fraction));
  }

  /** The words of `turnId` the caller heard, cut at a word boundary. */
  heardText(turnId: number): string {
    const parts: string[] = [];
    for (const c of [...this.#chunks.values()].filter((c) => c.turnId === turnId).sort((a, b) => a.chunkId - b.chunkId)) {
      if (c.heardFraction >= 0.999) parts.push(c.text);
      else if (c.heardFraction > 0) parts.push(cutAtWord(c.text, c.heardFraction));
      if (c.heardFraction < 0.999) break;
    }
    return parts.join(" ").replace(/\s+/g, " ").trim();
  }

  saidText(turnId: number): string {
    return [...this.#chunks.values()]
      .filter((c) => c.turnId === turnId)
      .sort((a, b) => a.chunkId - b.chunkId)
      .map((c) => c.text)
      .join(" ")
      .replace(/\s+/g, " ")
      .trim();
  }

  chunkText(chunkId: number): string {
    return this.#chunks.get(chunkId)?.text ?? "";
  }

  /** Chunks recorded: bounded by `forget`. */
  get size(): number {
    return this.#chunks.size;
  }

  /** Drops `turnId` and every earlier turn. */
  forget(turnId: number): void {
    for (const [id, c] of this.#chunks) if (c.turnId <= turnId) this.#chunks.delete(id);
  }
}

/** The leading part of `text` covering `fraction` of its characters, ending on a whole word. */
export function cutAtWord(text: string, fraction: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const target = text.length * fraction;
  let length = 0;
  const kept: string[] = [];
  for (const w of words) {
    if (length + w.length > target) break;
    kept.push(w);
    length += w.length + 1;
  }
  return kept.join(" ");
}
