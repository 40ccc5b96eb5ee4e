import { execFile } from "node:child_process";
import { Random } from "./random.ts";

/**
 * Audio that sounds (to an energy VAD, and roughly to a listener) like someone saying `text`.
 * With `espeak-ng` on PATH it is real synthetic speech; otherwise a deterministic voiced signal with a pitch contour,
 * formant-shaped harmonics and a syllable-rate envelope. Either way pauses inside the utterance are capped at
 * MAX_PAUSE_MS so an utterance stays one VAD segment (the Deepgram simulator gives each segment its utterance).
 */
export interface SpeechAudioOptions {
  /** Speaking rate; 150 wpm ≈ 2.5 words/s is a natural conversational rate. */
  wordsPerMinute?: number;
  seed?: number;
  sampleRate?: number;
}

export interface SpokenWord {
  word: string;
  startMs: number;
  endMs: number;
}

export interface SpeechAudio {
  /** Mono 16-bit PCM. Shared through the cache: treat as read-only. */
  pcm: Int16Array;
  sampleRate: number;
  durationMs: number;
  words: SpokenWord[];
}

export const DEFAULT_WORDS_PER_MINUTE = 150;
export const DEFAULT_SPEECH_SAMPLE_RATE = 8000;
/** Longest silence left inside an utterance; the listen simulator's VAD bridges gaps up to its hangover. */
export const MAX_PAUSE_MS = 120;
/** RMS of voiced speech, about -20 dBFS: a normal telephone speech level, far above a line's noise floor. */
const TARGET_RMS = 3300;
const CACHE_LIMIT = 256;

const cache = new Map<string, Promise<SpeechAudio>>();

export function synthesizeSpeech(text: string, opts: SpeechAudioOptions = {}): Promise<SpeechAudio> {
  const wordsPerMinute = opts.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE;
  const seed = opts.seed ?? 1;
  const sampleRate = opts.sampleRate ?? DEFAULT_SPEECH_SAMPLE_RATE;
  if (!(wordsPerMinute > 0) || !(sampleRate >= 4000) || !Number.isInteger(sampleRate)) {
    return Promise.reject(new RangeError("synthesizeSpeech: wordsPerMinute must be > 0 and sampleRate an integer ≥ 4000"));
  }
  const key = JSON.stringify([text, wordsPerMinute, seed, sampleRate]);
  const hit = cache.get(key);
  if (hit) return hit;
  const made = hasEspeak()
    .then((espeak) => (espeak ? espeakSpeech(text, wordsPerMinute, sampleRate) : null))
    .catch(() => null)
    .then((real) => real ?? toneSpeech(text, wordsPerMinute, seed, sampleRate));
  made.catch(() => cache.delete(key));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, made);
  return made;
}

export const splitWords = (text: string): string[] => text.split(/\s+/).filter((w) => w.length > 0);

/** Rough syllable count (vowel groups), enough to give long words more time than short ones. */
export function syllableCount(word: string): number {
  const letters = word.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (/^[0-9]+$/.test(letters)) return Math.max(1, letters.length);
  const groups = letters.replace(/e$/, "").match(/[aeiouy]+/g)?.length ?? 0;
  return Math.max(1, groups);
}

/**
 * Word timings at the given rate: each word gets time by syllables, words are separated by short gaps,
 * punctuation adds a slightly longer (still sub-MAX_PAUSE_MS) pause. Pure, so callers can predict durations.
 */
export function planWords(text: string, wordsPerMinute = DEFAULT_WORDS_PER_MINUTE): { words: SpokenWord[]; durationMs: number } {
  const tokens = splitWords(text);
  const msPerWord = 60_000 / wordsPerMinute;
  const gapMs = Math.min(0.18 * msPerWord, 80);
  const syllableMs = (msPerWord - gapMs) / 1.4;
  const words: SpokenWord[] = [];
  let t = 0;
  tokens.forEach((word, i) => {
    const durMs = Math.max(120, syllableCount(word) * syllableMs);
    words.push({ word, startMs: Math.round(t), endMs: Math.round(t + durMs) });
    t += durMs;
    if (i < tokens.length - 1) t += /[.,!?;:]$/.test(word) ? Math.min(gapMs * 1.5, MAX_PAUSE_MS) : gapMs;
  });
  return { words, durationMs: Math.round(t) };
}

function toneSpeech(text: string, wordsPerMinute: number, seed: number, sampleRate: number): SpeechAudio {
  const plan = planWords(text, wordsPerMinute);
  const total = Math.round((plan.durationMs * sampleRate) / 1000);
  const out = new Float64Array(total);
  const random = new Random(hashString(text) ^ seed);
  const baseF0 = 105 + random.next() * 90;
  const maxHz = Math.min(3800, sampleRate / 2 - 200);
  let phase = 0;
  plan.words.forEach((w, wi) => {
    const s0 = Math.round((w.startMs * sampleRate) / 1000);
    const s1 = Math.min(total, Math.round((w.endMs * sampleRate) / 1000));
    const syllables = syllableCount(w.word);
    const sylLen = (s1 - s0) / syllables;
    // Declination across the utterance, with a rise and fall per syllable.
    const wordF0 = baseF0 * (1.1 - (0.2 * wi) / Math.max(1, plan.words.length - 1)) * (0.95 + random.next() * 0.1);
    const formants = Array.from({ length: syllables }, () => [300 + random.next() * 500, 900 + random.next() * 1300, 2300 + random.next() * 600] as const);
    for (let s = s0; s < s1; s++) {
      const k = Math.min(syllables - 1, Math.floor((s - s0) / sylLen));
      const x = (s - s0 - k * sylLen) / sylLen;
      const env = 0.3 + 0.7 * Math.sin(Math.PI * x) ** 0.6;
      const f0 = wordF0 * (1 + 0.08 * Math.sin(Math.PI * x));
      phase += (2 * Math.PI * f0) / sampleRate;
      if (phase > 2 * Math.PI * 1000) phase -= 2 * Math.PI * 1000;
      const [f1, f2, f3] = formants[k] ?? [500, 1500, 2500];
      let v = 0;
      for (let h = 1; h * f0 < maxHz; h++) {
        const hz = h * f0;
        const gain = resonance(hz, f1, 90) + 0.6 * resonance(hz, f2, 120) + 0.25 * resonance(hz, f3, 180);
        v += (gain / Math.sqrt(h)) * Math.sin(h * phase);
      }
      // A short noisy onset stands in for the consonant that starts each syllable.
      const burst = x < 0.08 ? (random.next() * 2 - 1) * 0.6 * (1 - x / 0.08) : 0;
      out[s] = env * v + burst;
    }
  });
  const pcm = normalize(out, TARGET_RMS);
  return { pcm, sampleRate, durationMs: plan.durationMs, words: plan.words };
}

const resonance = (hz: number, center: number, bandwidth: number): number => 1 / (1 + ((hz - center) / bandwidth) ** 2);

function normalize(samples: Float64Array, targetRms: number): Int16Array {
  let sum = 0;
  let voiced = 0;
  for (const v of samples) {
    if (v !== 0) {
      sum += v * v;
      voiced++;
    }
  }
  const rms = voiced > 0 ? Math.sqrt(sum / voiced) : 0;
  const gain = rms > 0 ? targetRms / rms : 0;
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round((samples[i] ?? 0) * gain)));
  return pcm;
}

function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

let espeakProbe: Promise<boolean> | undefined;

function hasEspeak(): Promise<boolean> {
  espeakProbe ??= new Promise((resolve) => {
    execFile("espeak-ng", ["--version"], { timeout: 5000 }, (error) => resolve(!error));
  });
  return espeakProbe;
}

async function espeakSpeech(text: string, wordsPerMinute: number, sampleRate: number): Promise<SpeechAudio | null> {
  const tokens = splitWords(text);
  if (tokens.length === 0) return null;
  const wav = await new Promise<Buffer>((resolve, reject) => {
    execFile("espeak-ng", ["--stdout", "-s", String(Math.round(wordsPerMinute)), "--", tokens.join(" ")], { encoding: "buffer", maxBuffer: 64 << 20, timeout: 30_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
  const parsed = parseWavPcm16(wav);
  if (!parsed) return null;
  const resampled = resample(parsed.pcm, parsed.sampleRate, sampleRate);
  const trimmed = capPauses(resampled, sampleRate);
  const durationMs = Math.round((trimmed.length * 1000) / sampleRate);
  return { pcm: trimmed, sampleRate, durationMs, words: proportionalWords(tokens, durationMs) };
}

/** Mono 16-bit PCM from a RIFF/WAVE buffer (espeak-ng writes a streaming header whose sizes may be bogus). */
export function parseWavPcm16(buf: Uint8Array): { pcm: Int16Array; sampleRate: number } | null {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number): string => String.fromCharCode(buf[o] ?? 0, buf[o + 1] ?? 0, buf[o + 2] ?? 0, buf[o + 3] ?? 0);
  if (buf.length < 44 || tag(0) !== "RIFF" || tag(8) !== "WAVE") return null;
  let offset = 12;
  let sampleRate = 0;
  let channels = 1;
  let bits = 0;
  while (offset + 8 <= buf.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      if (view.getUint16(body, true) !== 1) return null;
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
    } else if (id === "data") {
      if (bits !== 16 || sampleRate === 0) return null;
      const end = size === 0 || size === 0xffffffff || body + size > buf.length ? buf.length : body + size;
      const frames = Math.floor((end - body) / (2 * channels));
      const pcm = new Int16Array(frames);
      for (let i = 0; i < frames; i++) pcm[i] = view.getInt16(body + i * 2 * channels, true);
      return { pcm, sampleRate };
    }
    offset = body + size + (size & 1);
  }
  return null;
}

/** Windowed-sinc resampler; the cutoff follows the lower rate so downsampling doesn't alias. */
export function resample(input: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (fromHz === toHz) return input;
  const outLen = Math.floor((input.length * toHz) / fromHz);
  const out = new Int16Array(outLen);
  const cutoff = Math.min(1, toHz / fromHz);
  const halfTaps = 16;
  for (let i = 0; i < outLen; i++) {
    const center = (i * fromHz) / toHz;
    const first = Math.ceil(center - halfTaps / cutoff);
    const last = Math.floor(center + halfTaps / cutoff);
    let acc = 0;
    let norm = 0;
    for (let j = first; j <= last; j++) {
      const x = (j - center) * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const window = 0.5 + 0.5 * Math.cos((Math.PI * (j - center) * cutoff) / halfTaps);
      const w = sinc * window;
      norm += w;
      if (j >= 0 && j < input.length) acc += (input[j] ?? 0) * w;
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(norm !== 0 ? acc / norm : 0)));
  }
  return out;
}

/** Trims leading/trailing silence and shortens inner pauses to MAX_PAUSE_MS. */
function capPauses(pcm: Int16Array, sampleRate: number): Int16Array {
  const frame = Math.round(sampleRate / 100);
  const silent: boolean[] = [];
  for (let f = 0; f * frame < pcm.length; f++) {
    let sum = 0;
    const end = Math.min(pcm.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += (pcm[i] ?? 0) ** 2;
    silent.push(Math.sqrt(sum / Math.max(1, end - f * frame)) < 150);
  }
  const keepFrames = Math.round(MAX_PAUSE_MS / 10);
  const chunks: Int16Array[] = [];
  let run = 0;
  const firstVoiced = silent.indexOf(false);
  const lastVoiced = silent.lastIndexOf(false);
  if (firstVoiced < 0) return pcm;
  for (let f = firstVoiced; f <= lastVoiced; f++) {
    run = silent[f] ? run + 1 : 0;
    if (run <= keepFrames) chunks.push(pcm.subarray(f * frame, Math.min(pcm.length, (f + 1) * frame)));
  }
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function proportionalWords(tokens: string[], durationMs: number): SpokenWord[] {
  const weights = tokens.map((t) => t.length + 2);
  const total = weights.reduce((a, b) => a + b, 0);
  let t = 0;
  return tokens.map((word, i) => {
    const span = (durationMs * (weights[i] ?? 0)) / total;
    const w = { word, startMs: Math.round(t), endMs: Math.round(t + span * 0.9) };
    t += span;
    return w;
  });
}
