type EqualBytes = (a: Uint8Array, b: Uint8Array) => boolean;

/** workerd puts it on `crypto.subtle`; Node (the simulators share this file) has it in `node:crypto`. */
function platformTimingSafeEqual(): EqualBytes {
  const subtle = crypto.subtle as unknown as { timingSafeEqual?: EqualBytes };
  if (typeof subtle.timingSafeEqual === "function") return subtle.timingSafeEqual.bind(crypto.subtle);
  const { process } = globalThis as unknown as { process: { getBuiltinModule(id: "node:crypto"): { timingSafeEqual: EqualBytes } } };
  return process.getBuiltinModule("node:crypto").timingSafeEqual;
}

const equalBytes = platformTimingSafeEqual();
const encoder = new TextEncoder();

/**
 * Compares two secrets (or a secret and a guess) in time that does not depend on where they differ. Unequal
 * lengths are simply unequal (both platforms' primitives throw on them): only the length can leak, so hash
 * variable-length secrets first when their length matters.
 */
export function timingSafeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = typeof a === "string" ? encoder.encode(a) : a;
  const y = typeof b === "string" ? encoder.encode(b) : b;
  if (x.byteLength !== y.byteLength) {
    // The same work as an equal-length comparison, so a wrong length answers no faster.
    equalBytes(x, x);
    return false;
  }
  return equalBytes(x, y);
}
