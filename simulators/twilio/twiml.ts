import { parseXml, textOf, type XmlElement } from "./xml-parser.ts";

/** The TwiML subset the simulator executes, as typed verbs. */
export type HttpMethod = "GET" | "POST";

export interface TwimlStream {
  url: string;
  name: string | null;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  parameters: Record<string, string>;
}

export interface DialTarget {
  kind: "number" | "sip" | "client" | "conference" | "queue";
  value: string;
  /** `<Conference>` only: Twilio's defaults are true and false. */
  conference?: { startConferenceOnEnter: boolean; endConferenceOnExit: boolean };
}

export type TwimlVerb =
  | { verb: "Say"; text: string; voice: string | null; language: string | null; loop: number }
  | { verb: "Play"; url: string; loop: number }
  | { verb: "Pause"; lengthSec: number }
  | { verb: "Hangup" }
  | { verb: "Redirect"; url: string; method: HttpMethod }
  | { verb: "Connect"; action: string | null; method: HttpMethod; stream: TwimlStream }
  | {
      verb: "Dial";
      action: string | null;
      method: HttpMethod;
      timeoutSec: number;
      timeLimitSec: number;
      callerId: string | null;
      targets: DialTarget[];
    }
  /** A real Twilio verb the simulator does not execute (it is recorded and skipped). */
  | { verb: "Unsupported"; name: string };

export type TwimlParseResult =
  | { ok: true; verbs: TwimlVerb[]; warnings: string[] }
  | { ok: false; code: 12100 | 12200; error: string };

const UNSIMULATED_VERBS = new Set([
  "Gather", "Record", "Reject", "Enqueue", "Leave", "Refer", "Start", "Stop", "Echo", "Sms", "Message", "Pay", "Prompt", "Queue",
]);

// Attribute lists from twilio-node's VoiceResponse; anything else is a schema warning (12200), as in Twilio's debugger.
const KNOWN_ATTRIBUTES: Record<string, readonly string[]> = {
  Response: [],
  Say: ["voice", "language", "loop"],
  Play: ["loop", "digits"],
  Pause: ["length"],
  Hangup: [],
  Redirect: ["method"],
  Connect: ["action", "method"],
  Stream: ["url", "name", "track", "statusCallback", "statusCallbackMethod", "connectorName"],
  Parameter: ["name", "value"],
  Dial: [
    "action", "method", "timeout", "callerId", "answerOnBridge", "timeLimit", "record", "hangupOnStar", "ringTone",
    "sequential", "trim", "recordingStatusCallback", "recordingStatusCallbackMethod", "recordingStatusCallbackEvent",
    "recordingTrack", "referUrl", "referMethod", "events",
  ],
  Number: ["url", "method", "sendDigits", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "machineDetection", "amdStatusCallback", "byoc"],
  Sip: ["url", "method", "username", "password", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "machineDetection"],
  Client: ["url", "method", "statusCallback", "statusCallbackEvent", "statusCallbackMethod"],
  Conference: [
    "muted", "beep", "startConferenceOnEnter", "endConferenceOnExit", "waitUrl", "waitMethod", "maxParticipants", "record",
    "region", "coach", "trim", "statusCallback", "statusCallbackEvent", "statusCallbackMethod", "jitterBufferSize", "participantLabel",
  ],
  Queue: ["url", "method", "reservationSid", "postWorkActivitySid"],
};

class TwimlSchemaError extends Error {}

const fail = (message: string): never => {
  throw new TwimlSchemaError(message);
};

function method(el: XmlElement, attr = "method"): HttpMethod {
  const value = (el.attributes[attr] ?? "POST").toUpperCase();
  return value === "GET" || value === "POST" ? value : fail(`<${el.name}> ${attr}="${el.attributes[attr]}" must be GET or POST`);
}

function boolean(el: XmlElement, attr: string, fallback: boolean): boolean {
  const raw = el.attributes[attr];
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") fail(`<${el.name}> ${attr}="${raw}" must be true or false`);
  return raw === "true";
}

function integer(el: XmlElement, attr: string, fallback: number, min = 0): number {
  const raw = el.attributes[attr];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min) fail(`<${el.name}> ${attr}="${raw}" must be an integer >= ${min}`);
  return Number(raw);
}

const optional = (el: XmlElement, attr: string): string | null => el.attributes[attr] ?? null;

function elementsOf(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const node of el.children) {
    if ("name" in node) out.push(node);
    else if (node.text.trim() !== "") fail(`unexpected text '${node.text.trim().slice(0, 40)}' in <${el.name}>`);
  }
  return out;
}

function parseStream(el: XmlElement): TwimlStream {
  const url = el.attributes.url?.trim() || fail("<Stream> requires a url");
  const track = el.attributes.track;
  if (track !== undefined && track !== "inbound_track") fail(`<Connect><Stream> is inbound only; track="${track}" is not allowed`);
  const parameters: Record<string, string> = {};
  for (const child of elementsOf(el)) {
    if (child.name !== "Parameter") fail(`<${child.name}> is not allowed in <Stream>`);
    const name = child.attributes.name ?? fail("<Parameter> requires a name");
    const value = child.attributes.value ?? fail("<Parameter> requires a value");
    if (name.length + value.length >= 500) fail(`<Parameter name="${name}"> name and value must be under 500 characters`);
    parameters[name] = value;
  }
  return {
    url,
    name: optional(el, "name"),
    statusCallback: optional(el, "statusCallback"),
    statusCallbackMethod: method(el, "statusCallbackMethod"),
    parameters,
  };
}

const DIAL_NOUNS: Record<string, DialTarget["kind"]> = {
  Number: "number", Sip: "sip", Client: "client", Conference: "conference", Queue: "queue",
};

function parseDial(el: XmlElement): TwimlVerb {
  const targets: DialTarget[] = [];
  for (const node of el.children) {
    if ("text" in node) {
      if (node.text.trim()) targets.push({ kind: "number", value: node.text.trim() });
      continue;
    }
    const kind = DIAL_NOUNS[node.name] ?? fail(`<${node.name}> is not allowed in <Dial>`);
    const value = textOf(node).trim() || fail(`<${node.name}> in <Dial> is empty`);
    if (kind !== "conference") targets.push({ kind, value });
    else targets.push({ kind, value, conference: { startConferenceOnEnter: boolean(node, "startConferenceOnEnter", true), endConferenceOnExit: boolean(node, "endConferenceOnExit", false) } });
  }
  if (targets.length === 0) fail("<Dial> has nothing to dial");
  return {
    verb: "Dial",
    action: optional(el, "action"),
    method: method(el),
    timeoutSec: integer(el, "timeout", 30, 1),
    timeLimitSec: integer(el, "timeLimit", 14400, 1),
    callerId: optional(el, "callerId"),
    targets,
  };
}

function parseVerb(el: XmlElement): TwimlVerb {
  switch (el.name) {
    case "Say":
      return { verb: "Say", text: ssmlText(el), voice: optional(el, "voice"), language: optional(el, "language"), loop: integer(el, "loop", 1) };
    case "Play":
      return { verb: "Play", url: textOf(el).trim(), loop: integer(el, "loop", 1) };
    case "Pause":
      return { verb: "Pause", lengthSec: integer(el, "length", 1) };
    case "Hangup":
      return { verb: "Hangup" };
    case "Redirect":
      return { verb: "Redirect", url: textOf(el).trim() || fail("<Redirect> requires a URL"), method: method(el) };
    case "Connect": {
      const nouns = elementsOf(el);
      if (nouns.some((n) => n.name !== "Stream")) return { verb: "Unsupported", name: `Connect/${nouns.map((n) => n.name).join(",")}` };
      if (nouns.length !== 1) fail("<Connect> must contain exactly one <Stream>");
      return { verb: "Connect", action: optional(el, "action"), method: method(el), stream: parseStream(nouns[0]!) };
    }
    case "Dial":
      return parseDial(el);
    default:
      if (UNSIMULATED_VERBS.has(el.name)) return { verb: "Unsupported", name: el.name };
      return fail(`<${el.name}> is not a TwiML verb`);
  }
}

/** SSML children of <Say> (<break>, <emphasis>…) contribute their text only. */
function ssmlText(el: XmlElement): string {
  return el.children.map((n) => ("text" in n ? n.text : ssmlText(n))).join("").replace(/\s+/g, " ").trim();
}

function unknownAttributes(el: XmlElement, warnings: string[]): void {
  const known = KNOWN_ATTRIBUTES[el.name];
  if (known) for (const attr of Object.keys(el.attributes)) if (!known.includes(attr)) warnings.push(`<${el.name}> has unknown attribute '${attr}'`);
  if (el.name === "Say") return;
  for (const child of el.children) if ("name" in child) unknownAttributes(child, warnings);
}

/** Parses a TwiML document. Malformed XML is 12100 (Document parse failure); a TwiML schema violation is 12200. */
export function parseTwiml(text: string): TwimlParseResult {
  const xml = parseXml(text);
  if (!xml.ok) return { ok: false, code: 12100, error: xml.error };
  if (xml.root.name !== "Response") return { ok: false, code: 12100, error: `root element must be <Response>, got <${xml.root.name}>` };
  try {
    const warnings: string[] = [];
    unknownAttributes(xml.root, warnings);
    const verbs = elementsOf(xml.root).map(parseVerb);
    return { ok: true, verbs, warnings };
  } catch (err) {
    if (err instanceof TwimlSchemaError) return { ok: false, code: 12200, error: err.message };
    throw err;
  }
}
