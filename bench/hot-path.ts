/**
 * 3. The audio hot path in isolation, in Node with the Worker's own modules (same V8 engine as workerd, no runtime
 * dispatch or socket cost): frames per second on one core.
 *  - inbound: a Twilio `media` text frame → `parseTwilioMessage` (JSON + zod schema) → `base64ToBytes` (μ-law bytes,
 *    what goes to the STT socket);
 *  - outbound: TTS μ-law bytes → 160-byte frames → `bytesToBase64` → `buildMediaMessage` (the playback stage's work);
 *  - for comparison, inbound with `JSON.parse` alone (no schema validation).
 */
import { base64ToBytes, bytesToBase64 } from "../shared/crypto/base64.ts";
import { buildMediaMessage, parseTwilioMessage } from "../shared/protocol/twilio-media.ts";
import { median } from "./stats.ts";

export interface HotPathCase {
  name: string;
  framesPerSecond: number;
  usPerFrame: number;
  /** CPU ms per minute of one direction of a call (3,000 frames). */
  cpuMsPerCallMinute: number;
  reps: number;
}

const STREAM_SID = `MZ${"0123456789abcdef".repeat(2)}`;

function inboundFrames(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const payload = Buffer.from(Uint8Array.from({ length: 160 }, (_, j) => (i * 7 + j * 13) & 0xff)).toString("base64");
    out.push(JSON.stringify({ event: "media", sequenceNumber: String(i + 2), streamSid: STREAM_SID, media: { track: "inbound", chunk: String(i + 1), timestamp: String(i * 20), payload } }));
  }
  return out;
}

/** Runs `fn` over batches until `ms` elapsed; returns items per second. */
function rate(ms: number, batch: number, fn: () => number): number {
  const end = performance.now() + ms;
  let items = 0;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    sink += fn();
    items += batch;
  }
  const elapsed = performance.now() - t0;
  if (sink === -1) console.log(sink); // keep the work observable
  return (items * 1000) / elapsed;
}

export function runHotPath(opts: { reps: number; msPerRep: number }): HotPathCase[] {
  const frames = inboundFrames(1000);
  const tts = Uint8Array.from({ length: 160 * 1000 }, (_, i) => (i * 31) & 0xff);

  const inbound = () => {
    let n = 0;
    for (const text of frames) {
      const parsed = parseTwilioMessage(text);
      if (parsed.ok && parsed.message.event === "media") n += base64ToBytes(parsed.message.media.payload).length;
    }
    return n;
  };
  const inboundNoSchema = () => {
    let n = 0;
    for (const text of frames) {
      const msg = JSON.parse(text);
      if (msg.event === "media") n += base64ToBytes(msg.media.payload).length;
    }
    return n;
  };
  const outbound = () => {
    let n = 0;
    for (let off = 0; off < tts.length; off += 160) {
      const frame = tts.slice(off, off + 160); // playback copies each frame out of its chunk
      n += buildMediaMessage(STREAM_SID, bytesToBase64(frame)).length;
    }
    return n;
  };

  const cases: [string, () => number][] = [
    ["inbound: Twilio JSON → parse + schema → μ-law bytes", inbound],
    ["outbound: TTS bytes → 160 B frame → base64 → JSON", outbound],
    ["inbound without schema validation (JSON.parse only)", inboundNoSchema],
  ];
  const out: HotPathCase[] = [];
  for (const [name, fn] of cases) {
    rate(Math.min(300, opts.msPerRep), 1000, fn); // warm-up (JIT)
    const rates: number[] = [];
    for (let r = 0; r < opts.reps; r++) rates.push(rate(opts.msPerRep, 1000, fn));
    const fps = median(rates);
    out.push({ name, framesPerSecond: fps, usPerFrame: 1e6 / fps, cpuMsPerCallMinute: (3000 * 1000) / fps, reps: opts.reps });
  }
  return out;
}
