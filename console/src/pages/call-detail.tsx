import { useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { formatDate, formatSeconds, Loaded, PageHeader, useLoad } from "../ui.tsx";
import { Analysis, CallEvents, CostBreakdown, ToolCalls, type CallAnalysis, type CallCost, type CallEvent } from "./call-sections.tsx";
import type { CallRow } from "./calls.tsx";
import { RecordingPlayer } from "./recording-player.tsx";
import { recordingSeconds, Transcript, type Playback, type TranscriptTurn } from "./transcript.tsx";
import { Waterfall, type Timings } from "./waterfall.tsx";
import "./call-pages.css";

interface Turn extends TranscriptTurn {
  timings: Timings | null;
}
interface CallDetail extends CallRow {
  started_at: string | null;
  recording_status: string | null;
  metrics: { clock_speed?: number } | null;
  turns: Turn[];
  events: CallEvent[];
  cost: CallCost | null;
  analysis: CallAnalysis[];
}

export const LIVE_STATUSES = ["queued", "initiated", "ringing", "in-progress"];

/**
 * The spoken turn the recording is at: of the caller and agent turns whose span holds that moment, the one that
 * started nearest to it. A barge-in overlaps two, and the newer is what the listener just started hearing; a seek
 * to a turn's start may also fall in the slack of a turn that began a few milliseconds later, and must not pick it.
 */
function turnAt(turns: Turn[], clock: Pick<Playback, "zeroMs" | "speed">, seconds: number): number | null {
  let found: { seq: number; distance: number } | null = null;
  for (const t of turns) {
    if (t.role === "tool") continue;
    const start = recordingSeconds(clock, t.started_at);
    const end = t.ended_at ? recordingSeconds(clock, t.ended_at) : start;
    // A little slack at the start: a seek lands on the nearest sample, a hair before the turn's own instant.
    if (seconds < start - 0.05 || seconds >= Math.max(end, start + 0.05)) continue;
    const distance = Math.abs(seconds - start);
    if (!found || distance <= found.distance) found = { seq: t.seq, distance };
  }
  return found?.seq ?? null;
}

function CallView({ call }: { call: CallDetail }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [seconds, setSeconds] = useState<number | null>(null);
  const clock = { startMs: Date.parse(call.started_at ?? call.created_at), speed: Number(call.metrics?.clock_speed ?? 1) || 1 };
  // The recording begins when recording started (after a disclosure, if the agent plays one), not with the call.
  const recordingClock = { zeroMs: Date.parse(call.events.find((e) => e.type === "recording.started")?.at ?? call.started_at ?? call.created_at), speed: clock.speed };
  const timed = call.turns.filter((t) => t.role === "agent" && t.timings && t.timings.first_audio_sent_ms != null);
  const recorded = call.recording_status != null;
  const playback = recorded
    ? {
        ...recordingClock,
        playingSeq: seconds == null ? null : turnAt(call.turns, recordingClock, seconds),
        seek: (to: number) => {
          if (audio.current) audio.current.currentTime = to;
        },
      }
    : undefined;
  return (
    <div class="call-page">
      <dl class="facts">
        <div><dt>Status</dt><dd>{call.status}{call.end_reason ? ` (${call.end_reason})` : ""}</dd></div>
        <div><dt>Direction</dt><dd>{call.direction}</dd></div>
        <div><dt>From → to</dt><dd>{call.from} → {call.to}</dd></div>
        <div><dt>Started</dt><dd>{formatDate(call.started_at ?? call.created_at)}</dd></div>
        <div><dt>Duration</dt><dd>{formatSeconds(call.duration_seconds)}</dd></div>
        <div><dt>Agent</dt><dd>{call.agent_id ? <a href={`/console/agents/${call.agent_id}`}>{call.agent_id}</a> : "—"}</dd></div>
      </dl>
      {LIVE_STATUSES.includes(call.status) && (
        <p>
          This call is in progress: <a href={`/console/live/${call.id}`}>watch it live</a>.
        </p>
      )}

      <section aria-labelledby="recording-title">
        <h2 id="recording-title">Recording</h2>
        <RecordingPlayer callId={call.id} recordingStatus={call.recording_status} audioRef={audio} onTime={setSeconds} />
      </section>

      <section aria-labelledby="transcript-title">
        <h2 id="transcript-title">Transcript</h2>
        {recorded && call.turns.length > 0 && <p class="hint">Select a turn's time to play the recording from there.</p>}
        {call.turns.length === 0 ? <p class="empty">Nothing was said on this call.</p> : <Transcript turns={call.turns} clock={clock} playback={playback} />}
      </section>

      <section aria-labelledby="latency-title">
        <h2 id="latency-title">Latency per turn</h2>
        {timed.length === 0 ? <p class="empty">No agent turn has timings.</p> : <Waterfall turns={timed.map((t) => ({ seq: t.seq, text: t.text, timings: t.timings! }))} />}
      </section>

      <ToolCalls turns={call.turns} clock={clock} />
      <CallEvents events={call.events} clock={clock} />
      <CostBreakdown cost={call.cost} />
      <Analysis analysis={call.analysis} />
    </div>
  );
}

export function CallPage({ id }: { id: string }) {
  const state = useLoad(() => api<CallDetail>("GET", `/calls/${encodeURIComponent(id)}`), [id]);
  return (
    <main id="main">
      <PageHeader title={`Call ${id}`} />
      <Loaded state={state}>{(call) => <CallView call={call} />}</Loaded>
    </main>
  );
}
