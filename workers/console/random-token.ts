import { bytesToBase64 } from "../../shared/crypto/base64.ts";

/** 256 random bits, base64url: session cookies, CSRF tokens and invitation links. */
export const randomToken = () => bytesToBase64(crypto.getRandomValues(new Uint8Array(32))).replace(/[+/=]/g, (c) => ({ "+": "-", "/": "_", "=": "" })[c]!);
