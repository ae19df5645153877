/**
 * The benchmark runner: for each workload, fundl and its peers in one process, interleaved sample
 * by sample (so drifts in machine load hit everyone alike), after warm-up; medians and spreads.
 */
import { fastInfo } from "../backend/fast/index.js";
import { getBackend, getThreads, setBackend, setThreads } from "../backend/index.js";
import { fundlStep } from "./fundl.js";
import { summarize, type Timing } from "./stats.js";
import { TfjsPeer } from "./tfjs.js";
import { WORKLOADS, type Step, type Workload } from "./workload.js";

/** A peer step slower than this is timed once, by its first run (repeating it would take minutes). */
const SLOW_MS = 1500;
/** Peer runs skipped under --quick: one step takes tens of seconds on tfjs-cpu. */
const QUICK_SKIP = new Set(["tfjs-cpu/mnist-cnn-step", "tfjs-cpu/lstm-seq", "tfjs-cpu/conv-fwd-bwd"]);

export type PeerResult = (Timing & { ratio: number }) | { error: string };

export interface WorkloadResult {
  name: string;
  description: string;
  ms: number | null;
  gflops: number | null;
  timing?: Timing;
  error?: string;
  peers: Record<string, PeerResult>;
}

export interface BenchReport {
  backend: string;
  threads: number;
  /** The machine's 1-minute load average before and after the run (other processes skew timings). */
  load: [number, number] | null;
  relaxedSimd: boolean;
  quick: boolean;
  workloads: WorkloadResult[];
}

export interface BenchOptions {
  quick?: boolean;
  /** fundl's kernel backend (default "fast"). */
  backend?: string;
  threads?: number;
  only?: string[];
  /** Called after every timed sample, with the workload and library it belonged to. */
  onSample?: (workload: string, library: string) => void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0]! : String(err);
}

/** Lets `time` also read the process's CPU time where the platform has it (Node). */
const cpuNow: (() => number) | null = (() => {
  const proc = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  const usage = proc?.cpuUsage;
  return usage ? () => { const u = usage.call(proc); return (u.user + u.system) / 1000; } : null;
})();

/** Wall milliseconds of one step, and (where known) the CPU milliseconds all threads spent on it. */
function time(step: Step): { wall: number; cpu: number } {
  const c0 = cpuNow?.() ?? NaN;
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  return { wall, cpu: (cpuNow?.() ?? NaN) - c0 };
}

/** How many samples the runner plans (for a progress bar). */
export function plannedSamples(o: BenchOptions): number {
  return selected(o).reduce((n, w) => n + 3 * (o.quick ? w.reps.quick : w.reps.full), 0);
}

function selected(o: BenchOptions): Workload[] {
  if (!o.only?.length) return WORKLOADS;
  const unknown = o.only.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`bench: unknown workload ${unknown.join(", ")}; known: ${WORKLOADS.map((w) => w.name).join(", ")}`);
  return WORKLOADS.filter((w) => o.only!.includes(w.name));
}

interface Contender {
  name: string;
  activate(): Promise<void>;
  step: Step;
  samples: number[];
  cpu: number[];
  repeat: boolean;
}

/** The 1-minute load average where the platform reports one (Node: os.loadavg). */
async function loadAverage(): Promise<number | null> {
  try {
    const os = await import("node:os");
    const [one] = os.loadavg();
    return one === undefined ? null : Math.round(one * 100) / 100;
  } catch {
    return null;
  }
}

export async function runBench(o: BenchOptions = {}): Promise<BenchReport> {
  if (o.threads !== undefined) setThreads(o.threads);
  setBackend(o.backend ?? "fast");
  const loadBefore = await loadAverage();
  const peers = [new TfjsPeer("cpu"), new TfjsPeer("wasm")];
  const results: WorkloadResult[] = [];
  for (const w of selected(o)) {
    const reps = o.quick ? w.reps.quick : w.reps.full;
    const warmups = o.quick ? 1 : 2;
    const result: WorkloadResult = { name: w.name, description: w.description, ms: null, gflops: null, peers: {} };
    const contenders: Contender[] = [];
    try {
      const step = fundlStep(w.name);
      for (let i = 0; i < warmups; i++) step();
      contenders.push({ name: "fundl", activate: async () => {}, step, samples: [], cpu: [], repeat: true });
    } catch (err) {
      result.error = message(err);
    }
    for (const peer of peers) {
      if (o.quick && QUICK_SKIP.has(`${peer.name}/${w.name}`)) {
        result.peers[peer.name] = { error: "skipped under --quick (one step takes many seconds); run without --quick" };
        continue;
      }
      try {
        const step = await peer.step(w.name);
        const first = time(step);
        const c: Contender = { name: peer.name, activate: () => peer.activate(), step, samples: [], cpu: [], repeat: first.wall < SLOW_MS };
        if (!c.repeat) {
          // seconds per step: its first run is the one sample
          c.samples.push(first.wall);
          c.cpu.push(first.cpu);
        }
        else for (let i = 1; i < warmups; i++) step();
        contenders.push(c);
      } catch (err) {
        result.peers[peer.name] = { error: message(err) };
      }
    }
    for (let r = 0; r < reps; r++) {
      for (const c of contenders) {
        if (c.repeat) {
          await c.activate();
          const t = time(c.step);
          c.samples.push(t.wall);
          c.cpu.push(t.cpu);
        }
        o.onSample?.(w.name, c.name);
      }
    }
    const fundl = contenders.find((c) => c.name === "fundl");
    if (fundl) {
      result.timing = summarize(fundl.samples, false, fundl.cpu);
      result.ms = result.timing.ms;
      result.gflops = w.flops === null ? null : w.flops / result.ms / 1e6;
    }
    for (const c of contenders) {
      if (c.name === "fundl") continue;
      const t = summarize(c.samples, !c.repeat, c.cpu);
      result.peers[c.name] = { ...t, ratio: result.ms ? t.ms / result.ms : NaN };
    }
    result.peers = Object.fromEntries(peers.map((p) => [p.name, result.peers[p.name]!])); // fixed order
    results.push(result);
  }
  const loadAfter = await loadAverage();
  const load: [number, number] | null = loadBefore === null || loadAfter === null ? null : [loadBefore, loadAfter];
  return { backend: getBackend(), threads: getThreads(), load, relaxedSimd: fastInfo().relaxedSimd, quick: !!o.quick, workloads: results };
}
