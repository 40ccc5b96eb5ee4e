import type { IncomingMessage, ServerResponse } from "node:http";
import { Router, type IRequest } from "itty-router";
import { z } from "zod";
import { encodeMulaw } from "../../shared/audio/mulaw.ts";
import { synthesizeSpeech } from "../common/speech-audio.ts";
import type { UtteranceRegistry } from "../common/utterance-registry.ts";
import type { SocketKind } from "./deepgram-simulator.ts";
import type { DeepgramStats } from "./simulator-stats.ts";

/** What the control API can reach inside a running simulator. */
export interface ControlTarget {
  registry: UtteranceRegistry;
  stats(): DeepgramStats;
  /** Zeroes the counters and forgets pending socket drops. */
  reset(): void;
  dropNextSocket(kind: SocketKind, afterMs: number): void;
}

const transcriptsBody = z.object({ transcripts: z.array(z.string()), append: z.boolean().optional() });
const expectBody = z.object({ callSid: z.string().min(1), text: z.string() });
const dropBody = z.object({ socket: z.enum(["listen", "flux", "speak"]).default("listen"), afterMs: z.number().int().min(0) });

/**
 * `/__control/…` routes for tests, local dev and benchmarks (JSON in, JSON out):
 * - `GET  /__control/stats`
 * - `POST /__control/reset` — zero the counters, forget queued transcripts and pending drops
 * - `POST /__control/transcripts` `{transcripts: string[], append?: boolean}` — the default queue (streams without call_sid)
 * - `POST /__control/expect` `{callSid, text}` — same as `registry.expect`
 * - `GET  /__control/registry?callSid=…` — `{pending, heard}`
 * - `POST /__control/drop-next` `{socket?: "listen"|"flux"|"speak", afterMs}` — close the next such socket with 1011 after afterMs
 * - `GET  /__control/speech?text=…` — `synthesizeSpeech(text)` as μ-law 8 kHz bytes, for clients that can't run the
 *   synthesizer themselves (workerd tests); `x-speech-duration-ms` gives its length and `x-speech-words` the word
 *   timings (JSON `[{word, startMs, endMs}]`).
 */
interface ControlRequest extends IRequest {
  payload: unknown;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const json = (status: number, payload: unknown): Reply => ({ status, headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
const invalid = (error: z.ZodError): Reply => json(400, { error: "invalid body", issues: error.issues });

const router = Router<ControlRequest, [ControlTarget], Reply>({ base: "/__control" });
router
  .get("/stats", (_req, target) => json(200, target.stats()))
  .post("/reset", (_req, target) => {
    target.reset();
    target.registry.clear();
    return json(200, { ok: true });
  })
  .post("/transcripts", ({ payload }, target) => {
    const parsed = transcriptsBody.safeParse(payload);
    if (!parsed.success) return invalid(parsed.error);
    if (parsed.data.append) parsed.data.transcripts.forEach((t) => target.registry.addDefaultTranscript(t));
    else target.registry.setDefaultTranscripts(parsed.data.transcripts);
    return json(200, { pending: target.registry.pending() });
  })
  .post("/expect", ({ payload }, target) => {
    const parsed = expectBody.safeParse(payload);
    if (!parsed.success) return invalid(parsed.error);
    target.registry.expect(parsed.data.callSid, parsed.data.text);
    return json(200, { pending: target.registry.pending(parsed.data.callSid) });
  })
  .get("/registry", ({ query }, target) => {
    const callSid = single(query.callSid);
    return json(200, { pending: target.registry.pending(callSid), heard: target.registry.heard(callSid) });
  })
  .post("/drop-next", ({ payload }, target) => {
    const parsed = dropBody.safeParse(payload);
    if (!parsed.success) return invalid(parsed.error);
    target.dropNextSocket(parsed.data.socket, parsed.data.afterMs);
    return json(200, { ok: true });
  })
  .get("/speech", async ({ query }) => {
    const text = single(query.text) ?? "";
    if (text.trim().length === 0) return json(400, { error: "text is required" });
    const speech = await synthesizeSpeech(text);
    const headers = {
      "content-type": "application/octet-stream",
      "x-speech-duration-ms": String(speech.durationMs),
      "x-speech-words": JSON.stringify(speech.words),
    };
    return { status: 200, headers, body: encodeMulaw(speech.pcm) };
  });

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

export async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, target: ControlTarget): Promise<void> {
  const method = req.method ?? "GET";
  const payload = method === "POST" ? await readJson(req) : undefined;
  const reply = (await router.fetch({ method, url: url.href, payload }, target)) ?? json(404, { error: `no control route ${method} ${url.pathname}` });
  res.writeHead(reply.status, { ...reply.headers, "content-length": String(Buffer.byteLength(reply.body)) }).end(reply.body);
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
