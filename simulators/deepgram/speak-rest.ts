import type { IncomingMessage, ServerResponse } from "node:http";
import { sleep, type LatencySampler } from "../common/latency-profile.ts";
import { DeepgramHttpError } from "./deepgram-error.ts";
import { speakModelInfo } from "./model-info.ts";
import { parseSpeakParams } from "./speak-params.ts";
import { SPEAK_LIMITS } from "./speak-limits.ts";
import { bytesPerSecond, contentType, speakAudio, wavHeader } from "./speech-encoder.ts";
import type { DeepgramStats } from "./simulator-stats.ts";

const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface SpeakRestDeps {
  sampler: LatencySampler;
  stats: DeepgramStats;
  realtimeFactor: number;
  frameMs: number;
}

/**
 * `POST /v1/speak`: validates like Deepgram (query → 400, content type → 415, size → 413, empty text → 400), then
 * streams the audio as a chunked body after the profile's cold first-byte delay. Throws DeepgramHttpError before
 * any byte of the response is written.
 */
export async function handleSpeakRest(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string, deps: SpeakRestDeps): Promise<void> {
  const receivedAt = performance.now();
  const params = parseSpeakParams(url.searchParams, "rest");
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json" && type !== "text/plain") {
    throw new DeepgramHttpError(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json or text/plain.");
  }
  const raw = await readBody(req);
  let text: unknown = raw;
  if (type === "application/json") {
    try {
      text = (JSON.parse(raw) as { text?: unknown }).text;
    } catch {
      throw new DeepgramHttpError(400, "Bad Request", "Request body is not valid JSON.");
    }
  }
  if (typeof text !== "string" || text.trim().length === 0) throw new DeepgramHttpError(400, "Bad Request", "Text must not be empty.");
  if (text.length > SPEAK_LIMITS.charactersPerSpeak) {
    throw new DeepgramHttpError(413, "PAYLOAD_TOO_LARGE", `Text is ${text.length} characters; the limit is ${SPEAK_LIMITS.charactersPerSpeak}.`);
  }

  deps.stats.speak.restRequests++;
  const audio = await speakAudio(text, params.model, params.encoding, params.sampleRate);
  const model = speakModelInfo(params.model);
  res.writeHead(200, {
    "content-type": contentType(params.encoding, params.sampleRate, params.container),
    "dg-request-id": requestId,
    "dg-model-name": params.model,
    "dg-model-uuid": model.uuid,
    "dg-char-count": String(text.length),
    "transfer-encoding": "chunked",
  });
  const sampler = deps.sampler;
  await sleep(receivedAt + sampler.withTail(sampler.draw(sampler.profile.ttsFirstByteCold)) - performance.now());
  if (params.container === "wav") res.write(wavHeader(params.encoding, params.sampleRate, audio.length));
  const bps = bytesPerSecond(params.encoding, params.sampleRate);
  const frameBytes = Math.max(1, Math.round((bps * deps.frameMs) / 1000));
  const startAt = performance.now();
  for (let offset = 0; offset < audio.length && !res.destroyed; offset += frameBytes) {
    const chunk = audio.subarray(offset, offset + frameBytes);
    res.write(chunk);
    deps.stats.speak.restAudioBytesSent += chunk.length;
    await sleep(startAt + ((offset + frameBytes) * 1000) / bps / deps.realtimeFactor - performance.now());
  }
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining an oversized body (so the 413 can still be written) but stop keeping it.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () =>
      size > MAX_BODY_BYTES ? reject(new DeepgramHttpError(413, "PAYLOAD_TOO_LARGE", "Request body is larger than 2 MB.")) : resolve(Buffer.concat(chunks).toString("utf8")),
    );
    req.on("error", reject);
  });
}
