import { describe, expect, it } from "vitest";
import { sha256Hex, toHex } from "./sha256.ts";

describe("sha256Hex", () => {
  it("gives the FIPS 180-2 digests in lower-case hex", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex(new Uint8Array())).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("writes every byte as two digits", () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 127, 128, 254, 255]))).toBe("00010f107f80feff");
    expect(toHex(new Uint8Array([171, 205]).buffer)).toBe("abcd");
  });
});
