/**
 * 6. A burst of simultaneous inbound calls to one account (issue 11: 50 at once failed 33 times with HTTP 500 when
 * every webhook appended to the audit chain itself). N correctly signed `POST /twilio/voice` webhooks for the
 * tenant's number, all sent at once, each with its own CallSid; a webhook fails unless it answers 200 with the
 * `<Connect><Stream>` TwiML. Then the account's audit chain is verified through the API (it chains what is still
 * pending first). The account's call limit is raised by the world, so no call is refused for concurrency.
 */
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { computeTwilioSignature } from "../shared/protocol/twilio-signature.ts";
import { median, medianOfSummaries, summarize, type Summary } from "./stats.ts";
import type { World } from "./world.ts";

export interface BurstResult {
  calls: number;
  reps: number;
  /** Webhook latency over all answered requests, ms: medians over repetitions. */
  latency: Summary & { reps: number };
  /** Requests that did not answer 200 with Connect TwiML, over all repetitions. */
  failures: number;
  statuses: Record<string, number>;
  /** Wall time from the first request sent to the last answer, median over repetitions, ms. */
  burstMs: number;
  chain: { valid: boolean; checked: number; pending: number };
}

interface Answer {
  status: number;
  connected: boolean;
  ms: number;
}

export async function runWebhookBurst(world: World, opts: { calls: number; reps: number }, log: (line: string) => void): Promise<BurstResult> {
  const { tenant } = world;
  const url = `${world.platform.baseUrl}/twilio/voice`;
  // One socket per webhook, as Twilio's callers would arrive: no queueing behind a pool in this process.
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const summaries: Summary[] = [];
  const walls: number[] = [];
  const statuses: Record<string, number> = {};
  let failures = 0;
  for (let rep = 0; rep < opts.reps; rep++) {
    const forms = await Promise.all(
      Array.from({ length: opts.calls }, async () => {
        const params = { CallSid: `CA${randomBytes(16).toString("hex")}`, AccountSid: tenant.twilio.accountSid, From: "+12125550123", To: tenant.number, CallStatus: "ringing", Direction: "inbound", ApiVersion: "2010-04-01" };
        return { body: new URLSearchParams(params).toString(), signature: await computeTwilioSignature(tenant.twilio.authToken, url, params) };
      }),
    );
    const start = performance.now();
    const answers = await Promise.all(forms.map((f) => post(agent, url, f.body, f.signature)));
    walls.push(performance.now() - start);
    for (const a of answers) {
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      if (a.status !== 200 || !a.connected) failures++;
    }
    const latency = summarize(answers.map((a) => a.ms));
    summaries.push(latency);
    log(`  ${opts.calls} webhooks at once, rep ${rep + 1}/${opts.reps}: p50 ${latency.p50.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms, failed ${answers.filter((a) => a.status !== 200 || !a.connected).length}`);
  }
  agent.destroy();
  const verify = await tenant.api.get<{ valid: boolean; checked: number; pending: number }>("/v1/audit-log/verify");
  return {
    calls: opts.calls,
    reps: opts.reps,
    latency: medianOfSummaries(summaries),
    failures,
    statuses,
    burstMs: median(walls),
    chain: { valid: verify.valid, checked: verify.checked, pending: verify.pending },
  };
}

function post(agent: Agent, url: string, body: string, signature: string): Promise<Answer> {
  const sent = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connected: text.includes("<Connect"), ms: performance.now() - sent }));
    });
    // A socket error is a failed webhook (status 0), not a crashed bench.
    req.on("error", () => resolve({ status: 0, connected: false, ms: performance.now() - sent }));
    req.end(body);
  });
}
