/** Deepgram rejects a `Speak` message over this many characters. */
export const SPEAK_MAX_CHARACTERS = 2000;

/**
 * Splits a chunk's text into `Speak`-sized pieces, at the last whitespace before the limit where there is one, so
 * no word is cut; the pieces concatenate back to the original text (whitespace included) and share one Flush.
 */
export function splitSpeakText(text: string, max = SPEAK_MAX_CHARACTERS): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf(" "), window.lastIndexOf("\n"));
    // No whitespace to break at: cut at the limit, but never between the halves of a surrogate pair.
    const at = cut > 0 ? cut + 1 : /[\uD800-\uDBFF]/.test(window.at(-1) ?? "") ? max - 1 : max;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}
