/** A Markdown table (and the blank line after it); `align` has one letter per column, l or r. */
export function table(head: string[], align: string, rows: (string | number)[][]): string[] {
  const rule = [...align].map((a) => (a === "r" ? "---:" : "---")).join("|");
  return [`| ${head.join(" | ")} |`, `|${rule}|`, ...rows.map((row) => `| ${row.join(" | ")} |`), ""];
}
