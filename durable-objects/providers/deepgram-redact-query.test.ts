import { describe, expect, it } from "vitest";
import { AgentConfig } from "../../shared/schemas/agent-config.ts";
import { fluxQuery } from "./deepgram-flux.ts";
import { listenQuery } from "./deepgram-listen-query.ts";

const agent = (stt: Record<string, unknown>) => AgentConfig.safeParse({ system_prompt: "Hi.", llm: { model: "us.anthropic.claude-haiku-4-5-20251001-v1:0" }, stt });
const issues = (stt: Record<string, unknown>) => {
  const parsed = agent(stt);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("Deepgram's own redaction (opt-in)", () => {
  it("takes only what the model supports: pci, ssn, numbers on Nova; one of numbers, aggressive_numbers on Flux", () => {
    expect(issues({ model: "nova-3", redact: ["pci", "ssn"] })).toEqual([]);
    expect(issues({ model: "flux-general-en", redact: ["aggressive_numbers"] })).toEqual([]);
    expect(issues({ model: "nova-3", redact: ["aggressive_numbers"] })).toEqual(["stt.redact: aggressive_numbers not supported by Nova models (supported: pci, ssn, numbers)"]);
    expect(issues({ model: "flux-general-en", redact: ["pci"] })).toEqual(["stt.redact: pci not supported by Flux models (supported: numbers, aggressive_numbers)"]);
    expect(issues({ model: "flux-general-en", redact: ["numbers", "aggressive_numbers"] })).toEqual(["stt.redact: Flux models take one redact value"]);
    expect(issues({ model: "nova-3", redact: ["names"] })[0]).toMatch(/^stt\.redact\.0:/);
  });

  it("is off unless asked for, and then sent as Deepgram's redact parameter", () => {
    const base = { model: "nova-3", language: "en", keyterms: [], endpointingMs: 300, utteranceEndMs: 1000, callSid: null };
    expect(listenQuery(base).getAll("redact")).toEqual([]);
    expect(listenQuery({ ...base, redact: ["pci", "ssn"] }).getAll("redact")).toEqual(["pci", "ssn"]);
    const flux = { model: "flux-general-en" as const, language: "en", keyterms: [], callSid: null };
    expect(fluxQuery(flux).get("redact")).toBeNull();
    expect(fluxQuery({ ...flux, redact: "numbers" }).get("redact")).toBe("numbers");
  });
});
