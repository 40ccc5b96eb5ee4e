import { createHash } from "node:crypto";

/** What a Deepgram model reports about itself in `metadata.model_info` and speak `Metadata`. */
export interface ModelInfo {
  name: string;
  version: string;
  arch: string;
  uuid: string;
}

/** A stable UUID-shaped id per model name, so metadata is the same on every run. */
function stableUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function listenModelInfo(model: string): ModelInfo {
  const family = /^nova-3/.test(model) ? "nova-3" : /^nova-2/.test(model) ? "nova-2" : /^nova/.test(model) ? "nova" : model.split("-")[0] ?? model;
  const domain = model.split("-").slice(family.split("-").length).join("-") || "general";
  return { name: `${domain}-${family}`, version: "2025-01-14.0", arch: family, uuid: stableUuid(`listen:${model}`) };
}

export function speakModelInfo(model: string): ModelInfo {
  return { name: model, version: "2025-04-10.0", arch: model.startsWith("aura-2") ? "aura-2" : "aura", uuid: stableUuid(`speak:${model}`) };
}
