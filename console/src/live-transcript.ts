import { useEffect, useState } from "preact/hooks";
import { api, Problem } from "./api.ts";
import type { TranscriptTurn } from "./pages/transcript.tsx";

/**
 * A live call's transcript over Server-Sent Events (`GET /v1/calls/{id}/live`). EventSource cannot send a bearer
 * token, so each connection takes a one-time ticket from `POST /v1/calls/{id}/live-ticket`; a dropped stream is
 * reopened with a fresh ticket (a spent one is refused), and the turns it replays are merged by `seq`.
 */
/** A finished turn, as the call page's transcript shows it. */
export type LiveTurn = TranscriptTurn;

export interface LiveEnd {
  status: string;
  end_reason: string | null;
}

export interface LiveTranscript {
  turns: LiveTurn[];
  /** Set once the call has ended (by the stream's `end`, or a ticket refused because the call is over). */
  ended: LiveEnd | null;
  connected: boolean;
  error: unknown;
}

const RECONNECT_MS = 2_000;

/** Checks an event's payload: a malformed one is dropped rather than put on screen. */
function parseTurn(data: string): LiveTurn | null {
  try {
    const t = JSON.parse(data) as Partial<LiveTurn>;
    const ok = typeof t.seq === "number" && typeof t.text === "string" && typeof t.started_at === "string" && ["caller", "agent", "tool"].includes(t.role as string);
    return ok ? { seq: t.seq!, role: t.role!, text: t.text!, interrupted: t.interrupted === true, started_at: t.started_at!, ended_at: t.ended_at ?? null } : null;
  } catch {
    return null;
  }
}

function parseEnd(data: string): LiveEnd {
  try {
    const e = JSON.parse(data) as Partial<LiveEnd>;
    return { status: typeof e.status === "string" ? e.status : "ended", end_reason: typeof e.end_reason === "string" ? e.end_reason : null };
  } catch {
    return { status: "ended", end_reason: null };
  }
}

const merge = (turns: LiveTurn[], turn: LiveTurn) => [...turns.filter((t) => t.seq !== turn.seq), turn].sort((a, b) => a.seq - b.seq);

export function useLiveTranscript(callId: string): LiveTranscript {
  const [state, setState] = useState<LiveTranscript>({ turns: [], ended: null, connected: false, error: null });
  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const end = (ended: LiveEnd) => {
      stopped = true;
      source?.close();
      setState((s) => ({ ...s, ended, connected: false }));
    };
    const connect = async () => {
      let ticket: string;
      try {
        ticket = (await api<{ ticket: string }>("POST", `/calls/${encodeURIComponent(callId)}/live-ticket`)).ticket;
      } catch (error) {
        if (stopped) return;
        if (error instanceof Problem && error.status === 409) return end({ status: "ended", end_reason: null });
        setState((s) => ({ ...s, error, connected: false }));
        // A refusal (no such call, no right to read it) will not change by asking again; a lost connection may.
        if (!(error instanceof Problem) || error.status === 0 || error.status >= 500) retry = setTimeout(connect, RECONNECT_MS);
        return;
      }
      if (stopped) return;
      source = new EventSource(`/v1/calls/${encodeURIComponent(callId)}/live?ticket=${encodeURIComponent(ticket)}`);
      source.onopen = () => setState((s) => ({ ...s, connected: true, error: null }));
      source.addEventListener("turn", (e) => {
        const turn = parseTurn((e as MessageEvent<string>).data);
        if (turn) setState((s) => ({ ...s, turns: merge(s.turns, turn) }));
      });
      source.addEventListener("end", (e) => end(parseEnd((e as MessageEvent<string>).data)));
      source.onerror = () => {
        // The browser would retry with the same (spent) ticket: close, and come back with a new one.
        source?.close();
        if (stopped) return;
        setState((s) => ({ ...s, connected: false }));
        retry = setTimeout(connect, RECONNECT_MS);
      };
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [callId]);
  return state;
}
