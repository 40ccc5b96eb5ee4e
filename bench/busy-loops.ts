/**
 * CPU busy loops beside the bench (`--busy N`): N child processes spinning `for(;;){}`, so the platform gets a
 * share of the cores as it would on a slower CPU model. They are killed when stopped, and when this process exits
 * (the bench's hard stop included), so none outlives the run.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface BusyLoops {
  count: number;
  stop(): void;
}

export function startBusyLoops(count: number): BusyLoops {
  const loops: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
  const stop = () => {
    for (const loop of loops) if (loop.exitCode === null && loop.signalCode === null) loop.kill("SIGKILL");
  };
  process.once("exit", stop);
  return {
    count,
    stop: () => {
      stop();
      process.off("exit", stop);
    },
  };
}

/** `--busy N` from argv (0 without it). */
export function busyArg(argv: readonly string[]): number {
  const i = argv.indexOf("--busy");
  const n = i >= 0 ? Number(argv[i + 1]) : 0;
  return Number.isInteger(n) && n > 0 ? n : 0;
}
