/** Prints a finished call as a person would want to read it: the conversation, then a per-turn latency table. */
import type { CallRecording } from "../../simulators/twilio/index.ts";

export interface CallDetail {
  id: string;
  status: string;
  end_reason: string | null;
  duration_seconds: number | null;
  turns: { role: string; text: string; interrupted: boolean; timings: Record<string, number> | null; voice_to_voice_ms: number | null; platform_overhead_ms: number | null }[];
  usage: Record<string, unknown> | null;
  events: { type: string; data: unknown }[];
}

/** Twilio debugger codes that mean the call went wrong on the platform's side (not warnings, not script notes). */
const FAILURE_CODES = new Set([11100, 11200, 11205, 12100, 12300, 31920, 31931, 31951]);

/**
 * Why a simulated call should count as failed, for the call CLI and the demo: a call can end "completed" and still
 * have apologised, lost a provider, or left the caller's last words unanswered.
 */
export function callProblems(call: CallDetail, recording: CallRecording): string[] {
  const problems: string[] = [];
  if (call.status !== "completed") problems.push(`the call ended ${call.status} (${call.end_reason ?? "no reason"})`);
  for (const e of call.events) {
    if (e.type === "provider.failed" || e.type === "call.runtime_failed") problems.push(`${e.type}: ${JSON.stringify(e.data)}`);
    if (e.type === "stream.exit" && (e.data as { kind?: string })?.kind === "apology") problems.push("the agent apologised and ended the call (a provider failed)");
  }
  for (const e of recording.errors) if (FAILURE_CODES.has(e.code)) problems.push(`Twilio error ${e.code}: ${e.message}`);
  const last = recording.turns.at(-1);
  if (last && last.firstAgentAudioMs === null && recording.endReason !== "caller-hangup") problems.push(`the caller's last words ("${last.text}") got no answer`);
  return problems;
}

const pad = (v: unknown, n: number) => String(v ?? "–").padStart(n);

export function formatConversation(call: CallDetail): string {
  const lines: string[] = [];
  for (const t of call.turns) {
    if (t.role === "caller") lines.push(`  Caller: ${t.text}`);
    else if (t.role === "agent") lines.push(`  Agent:  ${t.text}${t.interrupted ? "  [interrupted — the caller heard only this]" : ""}`);
    else if (t.role === "tool") {
      const { name, input } = JSON.parse(t.text) as { name: string; input: unknown };
      lines.push(`  [tool] ${name}(${JSON.stringify(input)})${t.timings ? ` → ${t.timings.ok ? "ok" : "error"} in ${t.timings.duration_ms} ms` : ""}`);
    }
  }
  return lines.join("\n");
}

export function formatLatencyTable(call: CallDetail, recording?: CallRecording): string {
  const rows = [
    ["turn", "caller→agent (ms)", "STT final", "LLM 1st token", "TTS 1st byte", "platform", "heard gap*"].map((h, i) => (i === 0 ? h.padEnd(5) : h.padStart(i === 1 ? 17 : 13))).join(" "),
  ];
  let caller = 0;
  call.turns.forEach((t, i) => {
    if (t.role !== "agent" || !t.timings || t.timings.voice_to_voice_ms === undefined) return;
    const heard = recording?.turns[caller++]?.voiceToVoiceMs;
    rows.push(
      [
        String(i).padEnd(5),
        pad(t.timings.voice_to_voice_ms, 17),
        pad(t.timings.stt_ms, 13),
        pad(t.timings.llm_ttft_ms, 13),
        pad(t.timings.tts_ttfb_ms, 13),
        pad(t.timings.platform_overhead_ms, 13),
        pad(heard === null || heard === undefined ? undefined : Math.round(heard), 13),
      ].join(" "),
    );
  });
  return `${rows.join("\n")}\n  * measured by the simulated caller: end of its speech → first agent audio it heard (call clock).`;
}
