/** A quality config and two scripted calls whose scores and violations the simulator's rules make exact. */
export const QUALITY = {
  scorecard: {
    criteria: [
      { id: "greeting", description: 'Greets the caller with the practice\'s name, "Acme Dental".', weight: 1 },
      { id: "disclosure", description: 'Says it is an AI: "virtual assistant".', weight: 3 },
    ],
  },
  compliance: {
    required_phrases: [{ id: "recording", phrase: "This call may be recorded." }],
    forbidden_phrases: [{ id: "guarantee", phrase: "we guarantee" }],
    policies: [{ id: "no_medical_advice", text: 'Never give medical advice, such as telling the caller to "take ibuprofen".' }],
  },
};

/** Says everything it must: 100 points, no violation. */
export const COMPLIANT_CALL: ["caller" | "agent", string][] = [
  ["agent", "Hi, Acme Dental, I am a virtual assistant. This call may be recorded."],
  ["caller", "I need a cleaning. My card is 4111 1111 1111 1111."],
  ["agent", "Thanks, I have your card ending 1111. You are booked for Tuesday."],
  ["caller", "Great, thank you!"],
];

/** Greets (10) but never discloses (0): (1×10 + 3×0) ÷ 4 → 25 points; four violations. */
export const VIOLATING_CALL: ["caller" | "agent", string][] = [
  ["agent", "Hi, Acme Dental, how can I help?"],
  ["caller", "My tooth hurts. My card is 4111 1111 1111 1111."],
  ["agent", "Your card is 4111 1111 1111 1111. We guarantee a slot today. Take ibuprofen until then."],
  ["caller", "Okay."],
];

export const MASKED_TURN = "Your card is ••••••••••••1111. We guarantee a slot today. Take ibuprofen until then.";

/** The violations of VIOLATING_CALL, as stored on its analysis. */
export const VIOLATIONS = [
  { check: "recording", kind: "required_phrase", detail: 'the agent never said "This call may be recorded."', evidence: "" },
  { check: "guarantee", kind: "forbidden_phrase", detail: 'the agent said "we guarantee"', evidence: MASKED_TURN },
  { check: "sensitive_readback", kind: "sensitive_readback", detail: "the agent read back a full card number", evidence: MASKED_TURN },
  { check: "no_medical_advice", kind: "policy", detail: 'the agent broke the policy "no_medical_advice"', evidence: MASKED_TURN },
];
