/**
 * Resource cost of calls in workerd: CPU time (utime + stime from /proc/<pid>/stat) per call-minute, and resident
 * memory (VmRSS from /proc/<pid>/status) per concurrent call, sampled while a concurrency level runs. wrangler's dev
 * server runs the Worker and a dev-only proxy in two workerd processes; they are reported apart.
 */
import { classifyWorkerd, procSample, workerdPids, type ProcSample } from "./world.ts";

export interface ResourceWindow {
  worker: { before: ProcSample; after: ProcSample; peakRssMb: number };
  proxy: { before: ProcSample; after: ProcSample };
  /** CPU of this Node process (simulators + load generator + tap) over the same window, ms. */
  nodeCpuMs: number;
  wallMs: number;
}

/** The last classification, reused by the next monitor while its processes live (one world at a time). */
let lastCached: { worker: number[]; proxy: number[] } | undefined;

/** Samples workerd every `everyMs` between start() and stop(). */
export class ResourceMonitor {
  readonly #simPorts: number[];
  #pids: number[] = [];
  #before = new Map<number, ProcSample>();
  #peak = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #nodeCpu = process.cpuUsage();
  #t0 = 0;
  /** Per monitor, so two worlds measured at once (bench section 8) each find their own Worker process. */
  #cached: { worker: number[]; proxy: number[] } | undefined;
  readonly shared: boolean;

  /** `shared`: reuse the previous monitor's classification (a single world). */
  constructor(simulatorPorts: number[], shared = true) {
    this.#simPorts = simulatorPorts;
    this.shared = shared;
  }

  start(everyMs = 250): void {
    this.#pids = workerdPids();
    this.#cached = this.shared && lastCached?.worker.every((p) => this.#pids.includes(p)) ? lastCached : undefined;
    this.#before = new Map(this.#pids.map((p) => [p, procSample([p])]));
    this.#nodeCpu = process.cpuUsage();
    this.#t0 = performance.now();
    this.#peak = 0;
    this.#timer = setInterval(() => this.#sample(), everyMs);
  }

  #sample(): void {
    if (!this.#cached) {
      const c = classifyWorkerd(this.#pids, this.#simPorts);
      if (c.worker.length > 0) this.#cached = c;
      if (this.shared && c.worker.length > 0) lastCached = c;
    }
    if (this.#cached) this.#peak = Math.max(this.#peak, procSample(this.#cached.worker).rssMb);
  }

  stop(): ResourceWindow {
    clearInterval(this.#timer);
    this.#sample();
    const node = process.cpuUsage(this.#nodeCpu);
    const worker = this.#cached?.worker ?? this.#pids;
    const proxy = this.#cached?.proxy ?? [];
    const sum = (pids: number[], samples: (p: number) => ProcSample) =>
      pids.reduce((acc, p) => ({ cpuMs: acc.cpuMs + samples(p).cpuMs, rssMb: acc.rssMb + samples(p).rssMb }), { cpuMs: 0, rssMb: 0 });
    const before = (p: number) => this.#before.get(p) ?? { cpuMs: 0, rssMb: 0 };
    const after = (p: number) => procSample([p]);
    const workerAfter = sum(worker, after);
    return {
      worker: { before: sum(worker, before), after: workerAfter, peakRssMb: Math.max(this.#peak, workerAfter.rssMb) },
      proxy: { before: sum(proxy, before), after: sum(proxy, after) },
      nodeCpuMs: (node.user + node.system) / 1000,
      wallMs: performance.now() - this.#t0,
    };
  }
}

export interface ResourceCost {
  concurrency: number;
  callMinutes: number;
  /** The Worker's workerd process: CPU ms per minute of call (the calls' answered → ended time). */
  cpuMsPerCallMinute: number;
  /** wrangler's dev proxy (not part of a deployment): CPU ms per call-minute. */
  proxyCpuMsPerCallMinute: number;
  /** Average share of one core over the window. */
  workerCoreShare: number;
  proxyCoreShare: number;
  nodeCoreShare: number;
  rssBeforeMb: number;
  peakRssMb: number;
  /** (peak RSS − RSS before the level) / concurrent calls, the Worker's process. */
  rssPerCallMb: number;
}

export function resourceCost(concurrency: number, callMinutes: number, w: ResourceWindow): ResourceCost {
  const cpu = w.worker.after.cpuMs - w.worker.before.cpuMs;
  const proxyCpu = w.proxy.after.cpuMs - w.proxy.before.cpuMs;
  return {
    concurrency,
    callMinutes,
    cpuMsPerCallMinute: callMinutes > 0 ? cpu / callMinutes : Number.NaN,
    proxyCpuMsPerCallMinute: callMinutes > 0 ? proxyCpu / callMinutes : Number.NaN,
    workerCoreShare: cpu / w.wallMs,
    proxyCoreShare: proxyCpu / w.wallMs,
    nodeCoreShare: w.nodeCpuMs / w.wallMs,
    rssBeforeMb: w.worker.before.rssMb,
    peakRssMb: w.worker.peakRssMb,
    rssPerCallMb: (w.worker.peakRssMb - w.worker.before.rssMb) / concurrency,
  };
}

/** Least-squares slope of peak RSS against concurrency (MB per concurrent call), over (0, idle RSS) and each level. */
export function rssSlope(idleRssMb: number, points: { concurrency: number; peakRssMb: number }[]): number {
  const xs = [0, ...points.map((p) => p.concurrency)];
  const ys = [idleRssMb, ...points.map((p) => p.peakRssMb)];
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}
