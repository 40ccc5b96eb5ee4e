const wellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Where a parsed request value holds a lone UTF-16 surrogate (`"\ud800"` in JSON): the dotted path of the first
 * string or object key that does, or undefined. Such a string is not text, and storing it as UTF-8 would quietly
 * turn it into U+FFFD, so the API refuses it instead. Walked with an explicit stack, like every JSON walk here.
 */
export function loneSurrogatePath(value: unknown): string | undefined {
  const pending: [unknown, string[]][] = [[value, []]];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node === "string") {
      if (!wellFormed(node)) return path.join(".") || "(root)";
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    for (const [key, child] of Object.entries(node)) {
      if (!wellFormed(key)) return path.join(".") || "(root)";
      pending.push([child, [...path, key]]);
    }
  }
  return undefined;
}
