import { describe, expect, it, vi } from "vitest";
import { DeepgramTextToSpeech } from "./deepgram-tts.ts";
import { closedAfterEach, DEEPGRAM, FIRST_CHUNK as FIRST, menuText, SECOND_CHUNK as SECOND, speakTwoChunks, speech } from "./testing/deepgram-sim.ts";
import { TtsRecorder } from "./testing/tts-recorder.ts";

/**
 * A project's speak sockets are all in use (Deepgram: 40 or 80 per project): the call speaks through REST
 * `/v1/speak` instead of failing. The refusal is Deepgram's own answer to the upgrade (429 with its JSON error), put
 * in front of the simulator by the fetcher the client takes; everything else reaches the simulator.
 */

/** Refuses speak upgrades while `full` is true, as Deepgram does when the project's sockets are all taken. */
class BusyProject {
  full = true;
  readonly upgrades: string[] = [];
  readonly posts: string[] = [];
  readonly fetcher: typeof fetch = async (input, init) => {
    const url = String(input);
    if (new Headers(init?.headers).get("upgrade") === "websocket") {
      this.upgrades.push(url);
      if (this.full) {
        const body = JSON.stringify({ err_code: "TOO_MANY_REQUESTS", err_msg: "Too many concurrent requests: this project may hold 80 speak sockets at once.", request_id: crypto.randomUUID() });
        return new Response(body, { status: 429, headers: { "content-type": "application/json" } });
      }
    } else if (init?.method === "POST") this.posts.push(url);
    return fetch(input, init);
  };
}

const open = closedAfterEach<DeepgramTextToSpeech>();
function client(project: BusyProject, restModeMs?: number) {
  const listener = new TtsRecorder();
  const tts = new DeepgramTextToSpeech({ baseUrl: DEEPGRAM.baseUrl(), apiKey: DEEPGRAM.apiKey(), config: { voice: "aura-2-thalia-en" }, listener, fetcher: project.fetcher, ...(restModeMs === undefined ? {} : { restModeMs }) });
  open.push(tts);
  return { tts, listener };
}
const waitFor = <T>(check: () => T): Promise<T> => vi.waitFor(check, { timeout: 8000, interval: 10 });

const LONG = menuText(4);

describe("DeepgramTextToSpeech when the project's speak sockets are all taken", () => {
  it("speaks through REST at once: every chunk's audio, in order, and no failure; asked once, not retried", async () => {
    const project = new BusyProject();
    const { tts, listener } = client(project);
    await tts.connect();
    await speakTwoChunks(tts, listener, 8000);
    expect(listener.failures).toEqual([]);
    // One refused upgrade: waiting would not free another call's socket.
    expect(project.upgrades).toHaveLength(1);
    expect(project.posts).toHaveLength(2);
    expect(Object.fromEntries(new URL(project.posts[0]!).searchParams)).toEqual({ model: "aura-2-thalia-en", encoding: "mulaw", sample_rate: "8000", container: "none" });
    expect(tts.stats).toMatchObject({ socketRefusals: 1, restChunks: 2, socketsOpened: 0, characters: FIRST.length + SECOND.length });
  });

  it("clear() while REST audio streams: nothing more of it is heard, and the next chunk plays in full", async () => {
    const project = new BusyProject();
    const { tts, listener } = client(project);
    await tts.connect();
    let cleared = false;
    listener.onAudio = (id) => {
      if (id === 1 && !cleared) {
        cleared = true;
        tts.clear();
        tts.speak(2, SECOND);
      }
    };
    tts.speak(1, LONG);
    const second = await speech(SECOND);
    await waitFor(() => expect(listener.doneIds).toEqual([2]));

    const heardOfFirst = listener.bytes(1);
    expect(heardOfFirst).toBeGreaterThan(0);
    expect(heardOfFirst).toBeLessThan((await speech(LONG)).bytes.length);
    expect(listener.bytes(2)).toBe(second.bytes.length);
    expect(listener.shape).toEqual(["audio:1", "audio:2", "done:2"]);
    expect(listener.failures).toEqual([]);
  });

  it("asks for a socket again once the REST period is over, and moves to it", async () => {
    const project = new BusyProject();
    const { tts, listener } = client(project, 0);
    await tts.connect();
    tts.speak(1, FIRST);
    await waitFor(() => expect(listener.doneIds).toEqual([1]));
    project.full = false;
    tts.speak(2, SECOND);
    const second = await speech(SECOND);
    await waitFor(() => expect(listener.doneIds).toEqual([1, 2]));

    expect(listener.bytes(2)).toBe(second.bytes.length);
    expect(tts.stats).toMatchObject({ restChunks: 1, socketsOpened: 1 });
    expect(project.posts).toHaveLength(1);
    expect(listener.failures).toEqual([]);
  });
});
