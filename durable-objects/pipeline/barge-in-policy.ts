/**
 * Whether the caller's words, heard while the agent is talking, should stop the agent. Backchannels ("mm-hm",
 * "okay", "right") acknowledge rather than interrupt; the sensitivity sets how much real speech it takes.
 */
export type InterruptionSensitivity = "low" | "medium" | "high";

const BACKCHANNELS = new Set(["mm", "mmm", "mhm", "hm", "hmm", "mm-hm", "mm-hmm", "uh-huh", "uh", "huh", "okay", "ok", "yeah", "yep", "yes", "right", "sure", "alright", "i", "see", "got", "it", "cool", "great"]);

const THRESHOLDS: Record<InterruptionSensitivity, { contentWords: number; anyWords: number }> = {
  high: { contentWords: 1, anyWords: 1 },
  medium: { contentWords: 1, anyWords: 3 },
  low: { contentWords: 3, anyWords: 5 },
};

const tokens = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, " ")
    .split(/\s+/)
    .filter(Boolean);

export function isBargeIn(text: string, sensitivity: InterruptionSensitivity): boolean {
  const words = tokens(text);
  const content = words.filter((w) => !BACKCHANNELS.has(w)).length;
  const t = THRESHOLDS[sensitivity];
  return content >= t.contentWords || words.length >= t.anyWords;
}
