import { z } from "@hono/zod-openapi";

/**
 * Control characters (C0 with NUL, DEL, C1) and the bidirectional embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069): in a name they hide or reorder what a reader sees ("Trojan source", spoofed
 * names in lists and logs), and NUL truncates it in C-based tools. The marks U+200E/U+200F stay allowed: real
 * right-to-left names use them.
 */
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A human-readable name (account, user, agent, key, transfer destination): 1 to `max` characters, none unsafe. */
export const displayName = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((name) => !UNSAFE_IN_NAMES.test(name), { message: "must not contain control characters (such as NUL) or bidirectional-override characters" });

/** RFC 5321 §4.5.3.1: a local part of at most 64 octets, an address of at most 254 (what fits in a path). */
export const emailAddress = () =>
  z
    .email()
    .max(254)
    .refine((address) => new TextEncoder().encode(address.slice(0, address.lastIndexOf("@"))).byteLength <= 64, {
      message: "the part before @ may be at most 64 characters (RFC 5321)",
    });
