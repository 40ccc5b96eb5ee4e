/**
 * Energy voice-activity detector that runs on audio time (sample counts), never the wall clock, so audio sent faster
 * than real time is judged exactly like audio sent in real time.
 *
 * Each 10 ms frame's RMS level (dBFS) is compared with an adaptive noise floor: a frame is "loud" when it is
 * `thresholdDb` above the floor and above an absolute minimum. Speech starts after `onsetMs` of consecutive loud
 * frames (clicks don't count) and ends once `endSilenceMs` pass without a loud frame — the hangover that bridges
 * the gaps between words. The floor follows quiet frames quickly downwards and slowly upwards, and creeps up even
 * during speech so a sudden permanent noise is eventually absorbed (like a real VAD, stationary noise delays
 * endpointing rather than blocking it forever).
 */
export interface VadOptions {
  sampleRate: number;
  /** Silence that ends a speech segment. */
  endSilenceMs: number;
  onsetMs?: number;
  thresholdDb?: number;
  minSpeechDb?: number;
  initialFloorDb?: number;
}

export interface VadFrame {
  /** Audio time at the end of this frame. */
  endMs: number;
  /** Set on the frame that confirmed onset: the start of the first loud frame of the run. */
  speechStartedAtMs?: number;
  /** Set on the frame where the hangover ran out: the end of the last loud frame. */
  speechEndedAtMs?: number;
  speaking: boolean;
  /** End of the last loud frame of the current (or last) segment. */
  lastVoicedMs: number;
  levelDb: number;
}

const FRAME_MS = 10;
const FLOOR_MIN_DB = -80;

export class EnergyVad {
  readonly #samplesPerFrame: number;
  readonly #sampleRate: number;
  readonly #endSilenceMs: number;
  readonly #onsetFrames: number;
  readonly #thresholdDb: number;
  readonly #minSpeechDb: number;
  #floorDb: number;
  #carry: Int16Array = new Int16Array(0);
  #samplesSeen = 0;
  #speaking = false;
  #loudRun = 0;
  #runStartMs = 0;
  #lastVoicedMs = 0;

  constructor(opts: VadOptions) {
    this.#sampleRate = opts.sampleRate;
    this.#samplesPerFrame = Math.max(1, Math.round((opts.sampleRate * FRAME_MS) / 1000));
    this.#endSilenceMs = opts.endSilenceMs;
    this.#onsetFrames = Math.max(1, Math.round((opts.onsetMs ?? 30) / FRAME_MS));
    this.#thresholdDb = opts.thresholdDb ?? 12;
    this.#minSpeechDb = opts.minSpeechDb ?? -50;
    this.#floorDb = opts.initialFloorDb ?? -70;
  }

  /** Audio time consumed so far, including a partial frame still waiting for samples. */
  get audioMs(): number {
    return ((this.#samplesSeen + this.#carry.length) * 1000) / this.#sampleRate;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  get lastVoicedMs(): number {
    return this.#lastVoicedMs;
  }

  get noiseFloorDb(): number {
    return this.#floorDb;
  }

  /** Ends the current segment now (the client forced a flush); the next loud run starts a new one. */
  endSpeech(): void {
    this.#speaking = false;
    this.#loudRun = 0;
  }

  /** Feeds samples and calls `onFrame` for every complete frame, in order. */
  push(samples: Int16Array, onFrame: (frame: VadFrame) => void): void {
    let buf = samples;
    if (this.#carry.length > 0) {
      buf = new Int16Array(this.#carry.length + samples.length);
      buf.set(this.#carry);
      buf.set(samples, this.#carry.length);
    }
    let offset = 0;
    for (; offset + this.#samplesPerFrame <= buf.length; offset += this.#samplesPerFrame) {
      onFrame(this.#frame(buf.subarray(offset, offset + this.#samplesPerFrame)));
    }
    this.#carry = buf.slice(offset);
  }

  #frame(frame: Int16Array): VadFrame {
    let sum = 0;
    for (const s of frame) sum += s * s;
    const rms = Math.sqrt(sum / frame.length);
    const levelDb = rms > 0 ? 20 * Math.log10(rms / 32768) : -120;
    const startMs = (this.#samplesSeen * 1000) / this.#sampleRate;
    this.#samplesSeen += frame.length;
    const endMs = (this.#samplesSeen * 1000) / this.#sampleRate;
    const loud = levelDb > Math.max(this.#floorDb + this.#thresholdDb, this.#minSpeechDb);
    const out: VadFrame = { endMs, speaking: false, lastVoicedMs: this.#lastVoicedMs, levelDb };

    if (!this.#speaking) {
      if (loud) {
        if (this.#loudRun === 0) this.#runStartMs = startMs;
        this.#loudRun++;
        if (this.#loudRun >= this.#onsetFrames) {
          this.#speaking = true;
          this.#lastVoicedMs = endMs;
          out.speechStartedAtMs = this.#runStartMs;
        }
      } else {
        this.#loudRun = 0;
        this.#adaptFloor(levelDb, 0.5, 0.02);
      }
    } else if (loud) {
      this.#lastVoicedMs = endMs;
      this.#adaptFloor(levelDb, 0, 0.0005);
    } else {
      this.#adaptFloor(levelDb, 0.5, 0.02);
      if (endMs - this.#lastVoicedMs >= this.#endSilenceMs) {
        this.#speaking = false;
        this.#loudRun = 0;
        out.speechEndedAtMs = this.#lastVoicedMs;
      }
    }
    out.speaking = this.#speaking;
    out.lastVoicedMs = this.#lastVoicedMs;
    return out;
  }

  #adaptFloor(levelDb: number, down: number, up: number): void {
    const level = Math.max(FLOOR_MIN_DB, levelDb);
    const rate = level < this.#floorDb ? down : up;
    this.#floorDb += rate * (level - this.#floorDb);
  }
}
