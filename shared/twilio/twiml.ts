/** A typed TwiML builder for the few verbs the platform answers with; every value is XML-escaped. */
const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

export type TwimlVerb =
  | { verb: "Say"; text: string; voice?: string; language?: string }
  | { verb: "Pause"; length: number }
  | { verb: "Hangup" }
  | { verb: "Redirect"; url: string }
  | { verb: "Connect"; action?: string; stream: { url: string; name?: string; parameters: Record<string, string> } }
  | { verb: "Dial"; number?: string; conference?: { name: string; endConferenceOnExit?: boolean; startConferenceOnEnter?: boolean }; callerId?: string; timeout?: number; action?: string };

const attrs = (a: Record<string, string | number | boolean | undefined>) =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");

function render(v: TwimlVerb): string {
  switch (v.verb) {
    case "Say":
      return `<Say${attrs({ voice: v.voice, language: v.language })}>${escapeXml(v.text)}</Say>`;
    case "Pause":
      return `<Pause${attrs({ length: v.length })}/>`;
    case "Hangup":
      return "<Hangup/>";
    case "Redirect":
      return `<Redirect method="POST">${escapeXml(v.url)}</Redirect>`;
    case "Connect": {
      const params = Object.entries(v.stream.parameters)
        .map(([name, value]) => `<Parameter${attrs({ name, value })}/>`)
        .join("");
      return `<Connect${attrs({ action: v.action })}><Stream${attrs({ url: v.stream.url, name: v.stream.name })}>${params}</Stream></Connect>`;
    }
    case "Dial": {
      const inner = v.conference
        ? `<Conference${attrs({ endConferenceOnExit: v.conference.endConferenceOnExit, startConferenceOnEnter: v.conference.startConferenceOnEnter })}>${escapeXml(v.conference.name)}</Conference>`
        : escapeXml(v.number ?? "");
      return `<Dial${attrs({ callerId: v.callerId, timeout: v.timeout, action: v.action })}>${inner}</Dial>`;
    }
  }
}

export const twiml = (...verbs: TwimlVerb[]) => `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.map(render).join("")}</Response>`;

export const twimlResponse = (body: string) => new Response(body, { headers: { "content-type": "text/xml; charset=utf-8" } });

/** The short answer for a call the platform will not take: say why, then hang up. */
export const refusalTwiml = (message: string) => twiml({ verb: "Say", text: message }, { verb: "Hangup" });
