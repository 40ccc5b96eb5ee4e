/**
 * `npm start`: the platform and the simulators on this machine, a demo tenant, and one call with a greeting, a
 * tool call with a filler line, a barge-in and a goodbye. No credentials, no network. Exits non-zero on failure.
 */
import { callProblems, formatConversation, formatLatencyTable, type CallDetail } from "./lib/call-report.ts";
import { runDemoCall } from "./lib/demo-call.ts";

const profile = (process.argv.includes("--realistic") ? "realistic" : "instant") as "realistic" | "instant";
const started = Date.now();
try {
  const { recording, call } = await runDemoCall({ profile, speed: profile === "realistic" ? 1 : 2, onProgress: (line) => console.log(`• ${line}`) });
  console.log(`\nCall ${call.id}: ${call.status} (${call.end_reason}), ${call.duration_seconds ?? "?"} s on Twilio's clock\n`);
  console.log(formatConversation(call));
  console.log(`\nBarge-ins: ${recording.clears.length} (Twilio received "clear"), agent audio segments: ${recording.agentAudio.length}\n`);
  console.log(formatLatencyTable(call, recording));
  console.log(`\nUsage: ${JSON.stringify(call.usage)}`);
  const problems = [...callProblems(call, recording), ...missingDemoMoments(call, recording.clears.length)];
  if (problems.length > 0) throw new Error(`the call did not go as the demo promises:\n  - ${problems.join("\n  - ")}`);
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s (${profile} provider latencies).`);
  process.exit(0);
} catch (error) {
  console.error(`\nThe demo call failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
}

/** The demo shows a tool call behind a filler line and a barge-in; a run without them has not shown the product. */
function missingDemoMoments(call: CallDetail, clears: number): string[] {
  const missing: string[] = [];
  const toolAt = call.turns.findIndex((t) => t.role === "tool");
  // The demo agent keeps the platform's default filler line, spoken at the start of the answer's turn.
  if (toolAt < 0) missing.push("no tool call");
  else if (!call.turns.slice(toolAt + 1).find((t) => t.role === "agent")?.text.startsWith("One moment")) missing.push("no filler line before the tool's answer");
  if (clears === 0 || !call.turns.some((t) => t.role === "agent" && t.interrupted)) missing.push("no barge-in");
  return missing;
}
