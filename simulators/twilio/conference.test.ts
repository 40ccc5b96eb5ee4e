import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handleControlRequest } from "./control-api.ts";
import { parseTwiml } from "./twiml.ts";
import { startHarness, type Harness } from "./testing/harness.ts";
import { twilioRest } from "./testing/rest-client.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ speed: 20 });
});
afterEach(async () => {
  await h.close();
});

const TARGET = "+14155550177";
const conferenceTwiml = (name: string, flags: string, after = "") => `<Response><Dial><Conference ${flags}>${name}</Conference></Dial>${after}</Response>`;
const until = async (check: () => boolean, what: string, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("<Dial><Conference>", () => {
  it("parses the conference flags with Twilio's defaults", () => {
    const parsed = parseTwiml(conferenceTwiml("room", 'startConferenceOnEnter="false"'));
    expect(parsed).toMatchObject({ ok: true, verbs: [{ verb: "Dial", targets: [{ kind: "conference", value: "room", conference: { startConferenceOnEnter: false, endConferenceOnExit: false } }] }] });
    expect(parseTwiml("<Response><Dial><Conference endConferenceOnExit='yes'>r</Conference></Dial></Response>")).toMatchObject({ ok: false, code: 12200 });
  });

  it("holds a caller until a starting participant joins, bridges both legs, and ends for everyone when that one leaves", async () => {
    h.platform.route("/voice", conferenceTwiml("room", 'startConferenceOnEnter="false" endConferenceOnExit="false"', "<Say>Goodbye</Say><Hangup/>"));
    const caller = await h.ring({ steps: [] });
    const conferences = h.sim.state.conferences;
    await until(() => conferences.list()[0]?.participants.length === 1, "the caller to join");
    const [room] = conferences.list();
    expect(room).toMatchObject({ friendlyName: "room", status: "init", accountSid: h.account.accountSid });
    expect(room!.participants[0]).toMatchObject({ callSid: caller.callSid, hold: true, startConferenceOnEnter: false, endConferenceOnExit: false });

    // The target leg: a REST call whose callee answers, joins as the moderator, and hangs up 2 s (call time) later.
    h.sim.setCalleeScript(TARGET, { maxDurationMs: 2000 });
    const target = await twilioRest(h.sim.url, h.account, "POST", "/Calls.json", { To: TARGET, From: h.number, Twiml: conferenceTwiml("room", 'endConferenceOnExit="true"') });
    expect(target.status).toBe(201);
    await until(() => room!.participants.length === 2, "the target to join");
    expect(room!.status).toBe("in-progress");
    expect(room!.participants.map((p) => [p.callSid, p.hold])).toEqual([[caller.callSid, false], [target.body.sid, false]]);
    const listed = await handleControlRequest(h.sim, "GET", "/__control/conferences", new URLSearchParams({ friendlyName: "room" }), "");
    expect(listed.body).toMatchObject([{ sid: room!.sid, status: "in-progress", participants: [{ callSid: caller.callSid }, { callSid: target.body.sid }] }]);

    const recording = await caller.ended;
    expect(room!.status).toBe("completed");
    expect(room!.events.map((e) => [e.event, e.callSid])).toEqual([
      ["participant-join", caller.callSid],
      ["participant-join", target.body.sid],
      ["conference-start", null],
      ["participant-leave", target.body.sid],
      ["participant-leave", caller.callSid],
      ["conference-end", null],
    ]);
    // The caller's <Dial> finished when the conference ended; the TwiML after it ran.
    expect(recording.verbs.map((v) => v.verb)).toEqual(["Dial", "Conference", "Say", "Hangup"]);
    expect(recording.endReason).toBe("twiml-hangup");
    const single = await handleControlRequest(h.sim, "GET", `/__control/conferences/${room!.sid}`, new URLSearchParams(), "");
    expect(single).toMatchObject({ status: 200, body: { status: "completed", participants: [] } });
  });

  it("lets a participant without endConferenceOnExit be redirected out without ending the conference; a reused name is a new conference", async () => {
    h.platform.route("/voice", conferenceTwiml("lobby", 'endConferenceOnExit="false"'));
    h.platform.route("/back", "<Response><Say>Welcome back</Say><Hangup/></Response>");
    const first = await h.ring({ steps: [] });
    const second = await h.ring({ steps: [] });
    const conferences = h.sim.state.conferences;
    await until(() => conferences.list()[0]?.participants.length === 2, "both callers to join");
    const [lobby] = conferences.list();
    expect(lobby!.status).toBe("in-progress");

    const redirected = await twilioRest(h.sim.url, h.account, "POST", `/Calls/${first.callSid}.json`, { Url: `${h.platform.url}/back` });
    expect(redirected.status).toBe(200);
    const firstRecording = await first.ended;
    expect(firstRecording.verbs.map((v) => v.verb)).toEqual(["Dial", "Conference", "Say", "Hangup"]);
    expect(lobby!.status).toBe("in-progress");
    expect(lobby!.participants.map((p) => p.callSid)).toEqual([second.callSid]);

    // The last one out ends it; the same name then opens a new conference.
    await h.sim.hangUp(second.callSid);
    expect(lobby!.status).toBe("completed");
    await h.ring({ steps: [] });
    await until(() => conferences.list({ friendlyName: "lobby" }).length === 2, "a new conference");
    expect(conferences.list({ friendlyName: "lobby" })[1]!.sid).not.toBe(lobby!.sid);
  });
});
