/**
 * Reads a response body up to a byte cap and cancels the rest: a tool webhook may answer with an endless or huge
 * body, and `res.text()` would buffer all of it in the object's 128 MB.
 */
export async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  // A stalled body must still end at the deadline, whatever the runtime does with the fetch signal after headers.
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException("aborted", "AbortError"));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return { text: text + decoder.decode(), truncated: false };
      const room = maxBytes - bytes;
      if (value.byteLength > room) {
        // A multi-byte character cut at the cap decodes to U+FFFD rather than throwing.
        text += decoder.decode(value.subarray(0, room));
        return { text, truncated: true };
      }
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
