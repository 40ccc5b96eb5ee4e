/** Base64 helpers that run the same in workerd and Node (no Buffer). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // `apply` reads the typed array as an array-like; spreading it walks its iterator, ~4× slower per media message.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export const base64UrlEncode = (text: string) =>
  bytesToBase64(new TextEncoder().encode(text)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export const base64UrlDecode = (b64url: string) =>
  new TextDecoder().decode(base64ToBytes(b64url.replace(/-/g, "+").replace(/_/g, "/")));
