import { describe, expect, it } from "vitest";
import { parseXml } from "./xml-parser.ts";

describe("parseXml", () => {
  it("parses declaration, comments, attributes in both quote styles, entities, CDATA and self-closing tags", () => {
    const result = parseXml(
      `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- hi --><Response a="1 &amp; 2" b='x&quot;y'><Say>Tom &lt;3 &#65;&#x42;</Say><![CDATA[<raw>]]><Hangup/></Response>\n`,
    );
    expect(result).toEqual({
      ok: true,
      root: {
        name: "Response",
        attributes: { a: "1 & 2", b: 'x"y' },
        children: [
          { name: "Say", attributes: {}, children: [{ text: "Tom <3 AB" }] },
          { text: "<raw>" },
          { name: "Hangup", attributes: {}, children: [] },
        ],
      },
    });
  });

  it.each([
    ["empty document", ""],
    ["mismatched close tag", "<Response><Say>hi</Sya></Response>"],
    ["unclosed element", "<Response><Say>hi</Say>"],
    ["bare ampersand", "<Response><Say>fish & chips</Say></Response>"],
    ["unknown entity", "<Response><Say>&nbsp;</Say></Response>"],
    ["unquoted attribute", "<Response><Pause length=2/></Response>"],
    ["duplicate attribute", '<Response><Pause length="1" length="2"/></Response>'],
    ["'<' in attribute", '<Response><Say voice="a<b">x</Say></Response>'],
    ["two roots", "<Response/><Response/>"],
    ["text after root", "<Response/>trailing"],
    ["text before root", "hello <Response/>"],
    ["DOCTYPE", "<!DOCTYPE x><Response/>"],
    ["late XML declaration", '<!-- c --><?xml version="1.0"?><Response/>'],
    ["missing space between attributes", '<Response><Stream url="a"name="b"/></Response>'],
  ])("rejects %s", (_name, text) => {
    const result = parseXml(text);
    expect(result.ok).toBe(false);
  });
});
