import { describe, expect, it } from "vitest";
import { DeepgramHttpError } from "./deepgram-error.ts";
import { KEYTERM_TOKEN_LIMIT, keytermTokens, parseListenParams } from "./listen-params.ts";

const parse = (q: string) => parseListenParams(new URLSearchParams(q));
const rejection = (q: string): DeepgramHttpError => {
  try {
    parse(q);
  } catch (error) {
    if (error instanceof DeepgramHttpError) return error;
    throw error;
  }
  throw new Error(`accepted ${q}`);
};

describe("parseListenParams", () => {
  it("reads the Twilio-style query with Deepgram's defaults", () => {
    const p = parse(
      "model=nova-3&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true&punctuate=true&language=en&keyterm=Acme&keyterm=refund&extra=call_sid:CA123&extra=tenant:t1&tag=calls",
    );
    expect(p).toMatchObject({ model: "nova-3", encoding: "mulaw", sampleRate: 8000, interimResults: true, endpointingMs: 300, utteranceEndMs: 1000, vadEvents: true, smartFormat: true, punctuate: true });
    expect(p.keyterms).toEqual(["Acme", "refund"]);
    expect(p.extra).toEqual({ call_sid: "CA123", tenant: "t1" });
    expect(p.tags).toEqual(["calls"]);
    const d = parse("model=nova-2-phonecall");
    expect(d).toMatchObject({ endpointingMs: 10, interimResults: false, channels: 1, language: "en", encoding: undefined });
    expect(parse("model=nova-3&endpointing=false").endpointingMs).toBe(false);
    expect(parse("model=nova-3&language=multi&unknown_param=1").language).toBe("multi");
  });

  it.each([
    ["model=nova-3&encoding=mulaw", "sample_rate is required"],
    ["model=nova-3&encoding=wav&sample_rate=8000", "encoding"],
    ["model=nova-3&encoding=opus&sample_rate=48000", "cannot decode"],
    ["model=nova-3&interim_results=yes", "interim_results"],
    ["model=nova-3&utterance_end_ms=1000", "requires interim_results"],
    ["model=nova-3&endpointing=soon", "endpointing"],
    ["model=nova-3&channels=0", "channels"],
    ["model=nova-3&sample_rate=8k&encoding=mulaw", "sample_rate"],
    ["model=nova-3&language=English!", "language"],
    ["model=nova-2&keyterm=Acme", "Nova-3"],
    ["model=nova-3&keywords=acme:2", "keyterm"],
    ["model=nova-3&extra=nocolon", "key:value"],
    ["model=nova-3&vad_events=1", "vad_events"],
    ["model=nova-3&punctuate=yes", "punctuate"],
    ["model=nova-3&smart_format=1", "smart_format"],
  ])("rejects %s", (query, fragment) => {
    const error = rejection(query);
    expect(error.status).toBe(400);
    expect(error.errCode).toBe("INVALID_QUERY_PARAMETER");
    expect(error.message).toContain(fragment);
  });

  it("rejects unknown models and Flux on v1", () => {
    expect(rejection("model=nova-9").message).toBe("No such model/version combination found.");
    expect(rejection("model=flux-general-en").errCode).toBe("V2_MODEL_ON_V1_LISTEN_ENDPOINT");
  });

  it("enforces the 500-token keyterm budget", () => {
    expect(keytermTokens("refund")).toBe(2);
    expect(keytermTokens("EZS93AV")).toBeGreaterThan(keytermTokens("EZSAV"));
    const term = "Acme Corporation";
    const perTerm = keytermTokens(term);
    const fits = Math.floor(KEYTERM_TOKEN_LIMIT / perTerm);
    const query = (n: number) => "model=nova-3&" + Array.from({ length: n }, () => `keyterm=${encodeURIComponent(term)}`).join("&");
    expect(parse(query(fits)).keyterms.length).toBe(fits);
    expect(rejection(query(fits + 1)).message).toContain("Keyterm limit exceeded");
  });
});
