import type { StreamResult } from "./converse-stream-writer.ts";
import type { Usage } from "./converse-output.ts";

/** Every model request the simulator received (control calls excluded), with its body and outcome, for assertions. */
export interface RequestRecord {
  requestId: string;
  receivedAt: string;
  operation: "Converse" | "ConverseStream";
  /** The `{modelId}` path label, decoded. */
  modelId: string;
  resolvedModelId?: string;
  accessKeyId?: string;
  status: number;
  errorType?: string;
  errorMessage?: string;
  /** The parsed JSON body (or the raw text when it was not JSON). */
  body: unknown;
  ruleIndex?: number;
  ruleId?: string;
  stopReason?: string;
  /** What the request is billed; a stream that ended early counts only the output tokens it had sent. */
  usage?: Usage;
  outcome?: StreamResult["outcome"] | "responded";
  events?: number;
  firstTokenAfterMs?: number;
  durationMs?: number;
}

export interface SimulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  byErrorType: Record<string, number>;
  byOutcome: Record<string, number>;
  ruleHits: Record<string, number>;
}

const MAX_RECORDS = 1000;

export class RequestLog {
  #records: RequestRecord[] = [];
  #total = 0;

  add(record: RequestRecord): RequestRecord {
    this.#records.push(record);
    this.#total++;
    if (this.#records.length > MAX_RECORDS) this.#records.shift();
    return record;
  }

  list(): RequestRecord[] {
    return structuredClone(this.#records);
  }

  stats(): SimulatorStats {
    const count = (into: Record<string, number>, key: string | number | undefined) => {
      if (key !== undefined) into[String(key)] = (into[String(key)] ?? 0) + 1;
    };
    const stats: SimulatorStats = { requests: this.#total, byOperation: {}, byStatus: {}, byErrorType: {}, byOutcome: {}, ruleHits: {} };
    for (const r of this.#records) {
      count(stats.byOperation, r.operation);
      count(stats.byStatus, r.status);
      count(stats.byErrorType, r.errorType);
      count(stats.byOutcome, r.outcome);
      count(stats.ruleHits, r.ruleId ?? (r.ruleIndex === undefined ? undefined : `#${r.ruleIndex}`));
    }
    return stats;
  }

  clear(): void {
    this.#records = [];
    this.#total = 0;
  }
}
