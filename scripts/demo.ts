/**
 * `npm start`: the platform and the simulators on this machine, a demo tenant, and one call with a greeting, a
 * tool call with a filler line, a barge-in and a goodbye. No credentials, no network. Exits non-zero on failure.
 */
import { formatConversation, formatLatencyTable } from "./lib/call-report.ts";
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
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s (${profile} provider latencies).`);
  process.exit(0);
} catch (error) {
  console.error(`\nThe demo call failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
}
