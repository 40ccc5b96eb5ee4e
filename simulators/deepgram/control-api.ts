import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { encodeMulaw } from "../../shared/audio/mulaw.ts";
import { synthesizeSpeech } from "../common/speech-audio.ts";
import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import type { DeepgramStats } from "./simulator-stats.ts";

/** What the control API can reach inside a running simulator. */
export interface ControlTarget {
  registry: UtteranceRegistry;
  stats(): DeepgramStats;
  /** Zeroes the counters and forgets pending socket drops. */
  reset(): void;
  dropNextSocket(kind: "listen" | "speak", afterMs: number): void;
}

const transcriptsBody = z.object({ transcripts: z.array(z.string()), append: z.boolean().optional() });
const expectBody = z.object({ callSid: z.string().min(1), text: z.string() });
const dropBody = z.object({ socket: z.enum(["listen", "speak"]).default("listen"), afterMs: z.number().int().min(0) });

/**
 * `/__control/…` routes for tests, local dev and benchmarks (JSON in, JSON out):
 * - `GET  /__control/stats`
 * - `POST /__control/reset` — zero the counters, forget queued transcripts and pending drops
 * - `POST /__control/transcripts` `{transcripts: string[], append?: boolean}` — the default queue (streams without call_sid)
 * - `POST /__control/expect` `{callSid, text}` — same as `registry.expect`
 * - `GET  /__control/registry?callSid=…` — `{pending, heard}`
 * - `POST /__control/drop-next` `{socket?: "listen"|"speak", afterMs}` — close the next such socket with 1011 after afterMs
 * - `GET  /__control/speech?text=…` — `synthesizeSpeech(text)` as μ-law 8 kHz bytes, for clients that can't run the
 *   synthesizer themselves (workerd tests); `x-speech-duration-ms` gives its length and `x-speech-words` the word
 *   timings (JSON `[{word, startMs, endMs}]`).
 */
export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, target: ControlTarget): Promise<void> {
  const route = `${req.method ?? "GET"} ${url.pathname}`;
  const body = req.method === "POST" ? await readJson(req) : undefined;
  const reply = (status: number, payload: unknown): void => {
    const text = JSON.stringify(payload);
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) }).end(text);
  };
  const invalid = (error: z.ZodError): void => reply(400, { error: "invalid body", issues: error.issues });

  switch (route) {
    case "GET /__control/stats":
      return reply(200, target.stats());
    case "POST /__control/reset":
      target.reset();
      target.registry.clear();
      return reply(200, { ok: true });
    case "POST /__control/transcripts": {
      const parsed = transcriptsBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      if (parsed.data.append) parsed.data.transcripts.forEach((t) => target.registry.addDefaultTranscript(t));
      else target.registry.setDefaultTranscripts(parsed.data.transcripts);
      return reply(200, { pending: target.registry.pending() });
    }
    case "POST /__control/expect": {
      const parsed = expectBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      target.registry.expect(parsed.data.callSid, parsed.data.text);
      return reply(200, { pending: target.registry.pending(parsed.data.callSid) });
    }
    case "GET /__control/registry": {
      const callSid = url.searchParams.get("callSid") ?? undefined;
      return reply(200, { pending: target.registry.pending(callSid), heard: target.registry.heard(callSid) });
    }
    case "POST /__control/drop-next": {
      const parsed = dropBody.safeParse(body);
      if (!parsed.success) return invalid(parsed.error);
      target.dropNextSocket(parsed.data.socket, parsed.data.afterMs);
      return reply(200, { ok: true });
    }
    case "GET /__control/speech": {
      const text = url.searchParams.get("text") ?? "";
      if (text.trim().length === 0) return reply(400, { error: "text is required" });
      const speech = await synthesizeSpeech(text);
      const bytes = encodeMulaw(speech.pcm);
      res
        .writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(bytes.length),
          "x-speech-duration-ms": String(speech.durationMs),
          "x-speech-words": JSON.stringify(speech.words),
        })
        .end(bytes);
      return;
    }
    default:
      return reply(404, { error: `no control route ${route}` });
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.length === 0) return {};
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
