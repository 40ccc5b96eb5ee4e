import { describe, expect, it } from "vitest";
import { computeTwilioSignature, twilioSignaturePayload, verifyTwilioSignature } from "./twilio-signature.ts";

// Twilio's published vector (twilio-node spec/validation.spec.js), recomputed independently in protocols.md §2.1.
const token = "12345";
const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
const params = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+14158675309",
  Digits: "1234",
  From: "+14158675309",
  To: "+18005551212",
};
const expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

describe("computeTwilioSignature", () => {
  it("matches Twilio's published vector", async () => {
    expect(await computeTwilioSignature(token, url, params)).toBe(expected);
  });

  it("gives the same result for URLSearchParams in any order", async () => {
    const form = new URLSearchParams([...Object.entries(params)].reverse());
    expect(await computeTwilioSignature(token, url, form)).toBe(expected);
  });

  it("matches the JSON-body variant (URL only, empty params)", async () => {
    const bodyUrl = `${url}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
    expect(await computeTwilioSignature(token, bodyUrl, null)).toBe("a9nBmqA0ju/hNViExpshrM61xv4=");
    expect(await computeTwilioSignature(token, bodyUrl, {})).toBe("a9nBmqA0ju/hNViExpshrM61xv4=");
  });

  it("sorts names case-sensitively and repeated values sorted and de-duplicated", () => {
    const form = new URLSearchParams("b=2&a=9&B=1&a=3&a=9");
    expect(twilioSignaturePayload("u", form)).toBe("uB1a3a9b2");
    expect(twilioSignaturePayload("u", { a: ["9", "3", "9"], B: "1" })).toBe("uB1a3a9");
  });
});

describe("verifyTwilioSignature", () => {
  it("accepts the right signature and rejects a wrong or missing one", async () => {
    expect(await verifyTwilioSignature(token, url, params, expected)).toBe(true);
    expect(await verifyTwilioSignature(token, url, { ...params, Digits: "1235" }, expected)).toBe(false);
    expect(await verifyTwilioSignature("54321", url, params, expected)).toBe(false);
    expect(await verifyTwilioSignature(token, url, params, "")).toBe(false);
    expect(await verifyTwilioSignature(token, url, params, null)).toBe(false);
  });

  it("tolerates a port added or dropped by a proxy, as twilio-node does, but not another host or path", async () => {
    expect(await verifyTwilioSignature(token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, expected)).toBe(true);
    const signedWithPort = await computeTwilioSignature(token, "wss://h.example:443/media", {});
    expect(await verifyTwilioSignature(token, "wss://h.example/media", {}, signedWithPort)).toBe(true);
    expect(await verifyTwilioSignature(token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", params, expected)).toBe(true);
    expect(await verifyTwilioSignature(token, "https://mycompany.org/myapp.php?foo=1&bar=2", params, expected)).toBe(false);
    expect(await verifyTwilioSignature(token, "https://mycompany.com/myapp.php?foo=1&bar=3", params, expected)).toBe(false);
    expect(await verifyTwilioSignature(token, "http://mycompany.com/myapp.php?foo=1&bar=2", params, expected)).toBe(false);
  });
});
