/** Timing knobs of a listen stream. All but `idleTimeoutMs` (wall clock) are audio time, so accelerated senders behave the same. */
export interface ListenTiming {
  /** Speech audio between interim results. */
  interimIntervalMs: number;
  /** Continuous speech after which a span is finalised (`is_final` without `speech_final`). */
  maxSpanMs: number;
  /** Silent audio after which an empty final result is sent. */
  silenceFinalMs: number;
  /** The VAD's hangover: endpointing below it behaves like it, because the VAD bridges gaps between words. */
  vadHangoverMs: number;
  idleTimeoutMs: number;
}

export const DEFAULT_LISTEN_TIMING: ListenTiming = { interimIntervalMs: 500, maxSpanMs: 8000, silenceFinalMs: 3000, vadHangoverMs: 150, idleTimeoutMs: 10_000 };

/** With endpointing=false a segment still closes (as a plain final) after this much silence. */
const UNENDPOINTED_SEGMENT_MS = 800;

/** Silence that ends a speech segment: the endpointing value, but never less than the VAD's hangover. */
export const endSilenceMs = (endpointingMs: number | false, timing: ListenTiming): number =>
  endpointingMs === false ? Math.max(timing.vadHangoverMs, UNENDPOINTED_SEGMENT_MS) : Math.max(timing.vadHangoverMs, endpointingMs);
