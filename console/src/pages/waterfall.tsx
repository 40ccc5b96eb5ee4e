/**
 * Per-turn latency waterfall. Every bar comes from a turn's stored marks (ms from the end of the caller's speech),
 * and all turns share one scale, so a slow turn's bar is visibly longer than a quick one's.
 */
export type Timings = Record<string, number>;

interface Stage {
  label: string;
  from: string;
  to: string;
  kind: string;
}

export const STAGES: Stage[] = [
  { label: "STT final (incl. endpointing)", from: "speech_end_ms", to: "stt_final_ms", kind: "stt" },
  { label: "Platform", from: "stt_final_ms", to: "llm_request_ms", kind: "platform" },
  { label: "Model first token", from: "llm_request_ms", to: "llm_first_token_ms", kind: "llm" },
  { label: "First clause", from: "llm_first_token_ms", to: "first_chunk_to_tts_ms", kind: "clause" },
  { label: "TTS first byte", from: "first_chunk_to_tts_ms", to: "tts_first_byte_ms", kind: "tts" },
  { label: "Platform", from: "tts_first_byte_ms", to: "first_audio_sent_ms", kind: "platform" },
];

export interface WaterfallTurn {
  seq: number;
  text: string;
  timings: Timings;
}

const stagesOf = (t: Timings) => STAGES.filter((s) => t[s.from] != null && t[s.to] != null).map((s) => ({ ...s, start: t[s.from]!, end: t[s.to]! }));

export function Waterfall({ turns }: { turns: WaterfallTurn[] }) {
  const scaleMs = Math.max(1, ...turns.map((t) => t.timings.first_audio_sent_ms ?? 0));
  return (
    <div class="waterfall">
      <ul class="legend" aria-label="Legend">
        {STAGES.slice(0, 5).map((s) => (
          <li key={s.kind}>
            <span class={`swatch ${s.kind}`} aria-hidden="true" /> {s.kind === "platform" ? "Platform" : s.label}
          </li>
        ))}
      </ul>
      {turns.map((turn) => (
        <section class="waterfall-turn" key={turn.seq} data-testid={`waterfall-${turn.seq}`} aria-label={`Turn ${turn.seq} latency`}>
          <p class="turn-caption">
            Turn {turn.seq}: voice to voice <strong>{turn.timings.voice_to_voice_ms ?? turn.timings.first_audio_sent_ms ?? "—"} ms</strong>
            <span class="quote"> “{turn.text.slice(0, 60)}{turn.text.length > 60 ? "…" : ""}”</span>
          </p>
          <div class="bar-track" aria-hidden="true">
            {stagesOf(turn.timings).map((s) => (
              <span
                key={s.from}
                class={`bar ${s.kind}`}
                style={{ left: `${(100 * s.start) / scaleMs}%`, width: `${Math.max(0.3, (100 * (s.end - s.start)) / scaleMs)}%` }}
                title={`${s.label}: ${s.end - s.start} ms`}
              />
            ))}
          </div>
          <div class="table-wrap" tabIndex={0} role="region" aria-label={`Turn ${turn.seq} stage timings`}>
          <table class="timings">
            <caption class="sr-only">Turn {turn.seq} stages</caption>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Took</th>
              </tr>
            </thead>
            <tbody>
              {stagesOf(turn.timings).map((s) => (
                <tr key={s.from} data-stage={s.to}>
                  <th scope="row">{s.label}</th>
                  <td data-ms={s.start}>{s.start} ms</td>
                  <td data-ms={s.end}>{s.end} ms</td>
                  <td>{s.end - s.start} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </section>
      ))}
    </div>
  );
}
