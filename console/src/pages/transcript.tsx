import { formatSeconds } from "../ui.tsx";

export interface TranscriptTurn {
  seq: number;
  role: "caller" | "agent" | "tool";
  text: string;
  interrupted: boolean;
  started_at: string;
  ended_at: string | null;
}

/** A tool turn's stored text: the call as the model made it, and its result once it came back. */
export interface ToolTurnText {
  name: string;
  input: unknown;
  result?: { status: string; content: unknown };
}

export function parseToolTurn(text: string): ToolTurnText | null {
  try {
    const t = JSON.parse(text) as Partial<ToolTurnText>;
    return typeof t.name === "string" ? { name: t.name, input: t.input, result: t.result } : null;
  } catch {
    return null;
  }
}

/** Where a turn lies in the recording (seconds), when the recording covers it. */
export interface Playback {
  /** When the recording started (epoch ms): turns before it are not in the audio. */
  zeroMs: number;
  /** As the call clock's. */
  speed: number;
  /** The turn being played (its seq), highlighted. */
  playingSeq: number | null;
  seek(seconds: number): void;
}

/**
 * The call's clock: where it started (epoch ms) and its call-clock seconds per wall-clock second, 1 on real calls;
 * a simulated call run faster (CALL_CLOCK_SPEED) has call-clock audio and durations but wall-clock turn times.
 */
export interface CallClock {
  startMs: number;
  speed: number;
}

/** Seconds into the call, as the transcript, tool calls and events show them. */
export const callTime = (clock: CallClock, at: string) => formatSeconds(Math.max(0, ((Date.parse(at) - clock.startMs) * clock.speed) / 1000));

export const recordingSeconds = (playback: Pick<Playback, "zeroMs" | "speed">, at: string) => ((Date.parse(at) - playback.zeroMs) * playback.speed) / 1000;

/**
 * The transcript, with each turn's time into the call and interrupted turns marked. With a recording, a spoken
 * turn's time is a button that seeks the player there, and the turn being played is highlighted.
 */
export function Transcript({ turns, clock, playback }: { turns: TranscriptTurn[]; clock: CallClock; playback?: Playback }) {
  return (
    <ol class="transcript">
      {turns.map((t) => {
        const time = callTime(clock, t.started_at);
        const seekTo = playback && t.role !== "tool" ? recordingSeconds(playback, t.started_at) : -1;
        const playing = playback?.playingSeq === t.seq;
        const tool = t.role === "tool" ? parseToolTurn(t.text) : null;
        return (
          <li key={t.seq} class={`turn ${t.role}${t.interrupted ? " interrupted" : ""}${playing ? " playing" : ""}`} data-seq={t.seq} aria-current={playing ? "true" : undefined}>
            {playback && seekTo >= 0 ? (
              <button type="button" class="seek" onClick={() => playback.seek(seekTo)} aria-label={`${time}: play the recording from this ${t.role} turn`}>
                <time>{time}</time>
              </button>
            ) : (
              <time>{time}</time>
            )}{" "}
            <strong>{t.role}</strong>
            {t.interrupted && <span class="badge" title="The caller barged in before the agent finished">interrupted</span>}
            <p>{tool ? `${tool.name}(${JSON.stringify(tool.input)})` : t.text}</p>
          </li>
        );
      })}
    </ol>
  );
}
