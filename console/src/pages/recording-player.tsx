import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import { apiFile, Problem } from "../api.ts";
import { ProblemMessage, useLoad } from "../ui.tsx";

/**
 * The call's recording in an audio element. The bearer token lives in memory, so the element cannot fetch
 * `/v1/calls/{id}/recording` itself: the page fetches it with the token and plays a blob URL of it.
 */
export function RecordingPlayer({ callId, recordingStatus, audioRef, onTime }: { callId: string; recordingStatus: string | null; audioRef: RefObject<HTMLAudioElement | null>; onTime: (seconds: number) => void }) {
  if (recordingStatus == null) return <p class="empty">This call was not recorded.</p>;
  return <Player callId={callId} audioRef={audioRef} onTime={onTime} />;
}

function Player({ callId, audioRef, onTime }: { callId: string; audioRef: RefObject<HTMLAudioElement | null>; onTime: (seconds: number) => void }) {
  const state = useLoad(() => apiFile(`/calls/${encodeURIComponent(callId)}/recording`), [callId]);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!state.data) return;
    const made = URL.createObjectURL(state.data);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [state.data]);

  if (state.error instanceof Problem && state.error.status === 409) {
    return (
      <p class="empty">
        Twilio is still finishing this recording.{" "}
        <button type="button" class="secondary" onClick={state.reload}>
          Check again
        </button>
      </p>
    );
  }
  if (state.error) return <ProblemMessage error={state.error} />;
  if (!url) return <p aria-busy="true">Loading the recording…</p>;
  const report = (e: Event) => onTime((e.currentTarget as HTMLAudioElement).currentTime);
  return (
    <audio class="recording" controls preload="metadata" src={url} ref={audioRef} onTimeUpdate={report} onSeeked={report} aria-label="Call recording (caller on the left channel, agent on the right)" />
  );
}
