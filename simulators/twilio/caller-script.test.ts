import { describe, expect, it } from "vitest";
import { CallerScriptError, parseCallerScript } from "./caller-script.ts";

describe("parseCallerScript", () => {
  it("reads YAML with defaults", () => {
    const script = parseCallerScript(`
answeredBy: machine_end_beep
maxDurationMs: 30000
steps:
  - waitForAgent: true
  - say: I want to book a table
  - say: Actually, stop
    interruptAfterMs: 400
  - dtmf: "12#"
  - pause: 500
  - hangup: true
`);
    expect(script).toMatchObject({
      answeredBy: "machine_end_beep",
      answer: "answer",
      maxDurationMs: 30000,
      waitSilenceMs: 600,
      steps: [{ waitForAgent: true }, { say: "I want to book a table" }, { say: "Actually, stop", interruptAfterMs: 400 }, { dtmf: "12#" }, { pause: 500 }, { hangup: true }],
    });
  });

  it("accepts JSON text, an object, a bare list of steps and nothing", () => {
    expect(parseCallerScript('{"steps":[{"say":"hi","immediately":true}]}').steps).toEqual([{ say: "hi", immediately: true }]);
    expect(parseCallerScript([{ pause: 10 }]).steps).toEqual([{ pause: 10 }]);
    expect(parseCallerScript([{ noise: "cough", interruptAfterMs: 300 }]).steps).toEqual([{ noise: "cough", interruptAfterMs: 300 }]);
    expect(parseCallerScript(undefined).steps).toEqual([]);
  });

  it.each([
    ["an unknown step", { steps: [{ shout: "hi" }] }],
    ["an empty say", { steps: [{ say: "  " }] }],
    ["bad DTMF", { steps: [{ dtmf: "12x" }] }],
    ["an unknown noise", { steps: [{ noise: "sneeze" }] }],
    ["an unknown answeredBy", { answeredBy: "robot" }],
    ["an unknown top-level option", { speed: 3 }],
    ["a negative pause", [{ pause: -1 }]],
    ["extra keys on a step", [{ hangup: true, say: "bye" }]],
  ])("rejects %s", (_name, input) => {
    expect(() => parseCallerScript(input)).toThrow(CallerScriptError);
  });

  it("rejects YAML that does not parse", () => {
    expect(() => parseCallerScript("steps: [unclosed")).toThrow(CallerScriptError);
  });
});
