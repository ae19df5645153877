/**
 * The benchmark runner: for each workload, fundl and its peers in one process, interleaved sample
 * by sample (so drifts in machine load hit everyone alike), after warm-up; medians and spreads.
 */
import { fastInfo } from "../backend/fast/index.js";
import { getBackend, getThreads, setBackend, setThreads } from "../backend/index.js";
import { fundlStep } from "./fundl.js";
import { summarize, type Timing } from "./stats.js";
import { TfjsPeer } from "./tfjs.js";
import { TorchPeer } from "./torch.js";
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
  /** The 1-, 5- and 15-minute load averages before and after. */
  loadAverages: { before: number[]; after: number[] } | null;
  /** The peers' configurations, by name (PyTorch's thread count and wait policy). */
  peerConfigs: Record<string, string>;
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
  /** Peers to run (default: every one: tfjs-cpu, tfjs-wasm, torch). */
  peers?: string[];
  /** Timed samples per workload and library (default: the workload's own count, fewer under quick). */
  reps?: number;
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

/** The process's minor page faults so far (Node), or NaN. */
const faultsNow: () => number = (() => {
  const proc = (globalThis as { process?: { resourceUsage?: () => { minorPageFault: number } } }).process;
  const usage = proc?.resourceUsage;
  return usage ? () => usage.call(proc).minorPageFault : () => NaN;
})();

/** One step's wall milliseconds, (where known) the CPU milliseconds all threads spent, and the minor page faults it took. */
interface Sample {
  wall: number;
  cpu: number;
  faults: number;
}

function time(step: Step): Sample {
  const f0 = faultsNow();
  const c0 = cpuNow?.() ?? NaN;
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  return { wall, cpu: (cpuNow?.() ?? NaN) - c0, faults: faultsNow() - f0 };
}

/** How many samples the runner plans (for a progress bar). */
export function plannedSamples(o: BenchOptions): number {
  const want = (name: string) => !o.peers || o.peers.some((p) => name.startsWith(p));
  const torch = want("torch") ? ((o.threads ?? getThreads()) > 1 ? 2 : 1) : 0;
  const contenders = 1 + ["tfjs-cpu", "tfjs-wasm"].filter(want).length + torch;
  return selected(o).reduce((n, w) => n + contenders * repsFor(w, o), 0);
}

function repsFor(w: Workload, o: BenchOptions): number {
  return o.reps ?? (o.quick ? w.reps.quick : w.reps.full);
}

/** The peers' names (torch's configurations are torch-1t and torch-2t-passive). */
const PEER_NAMES = ["tfjs-cpu", "tfjs-wasm", "torch-1t", "torch-2t-passive"];

/** Check --peers: each name is "none" or a prefix of a peer's name. */
function checkPeers(o: BenchOptions): void {
  const unknown = (o.peers ?? []).filter((p) => p !== "none" && !PEER_NAMES.some((n) => n.startsWith(p)));
  if (unknown.length) throw new Error(`bench: unknown peer ${unknown.join(", ")}; known: tfjs-cpu, tfjs-wasm, tfjs, torch, none (fundl alone)`);
}

function selected(o: BenchOptions): Workload[] {
  checkPeers(o);
  if (!o.only?.length) return WORKLOADS;
  const unknown = o.only.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length) throw new Error(`bench: unknown workload ${unknown.join(", ")}; known: ${WORKLOADS.map((w) => w.name).join(", ")}`);
  return WORKLOADS.filter((w) => o.only!.includes(w.name));
}

interface Contender {
  name: string;
  /** Runs and times one step (after selecting the library's backend where it has several). */
  sample(): Promise<Sample>;
  samples: number[];
  cpu: number[];
  faults: number[];
  repeat: boolean;
}

function contender(name: string, sample: () => Promise<Sample>, repeat = true): Contender {
  return { name, sample, samples: [], cpu: [], faults: [], repeat };
}

function record(c: Contender, s: Sample): void {
  c.samples.push(s.wall);
  c.cpu.push(s.cpu);
  c.faults.push(s.faults);
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

async function loadAverages(): Promise<number[] | null> {
  try {
    const os = await import("node:os");
    return os.loadavg().map((v) => Math.round(v * 100) / 100);
  } catch {
    return null;
  }
}

/** PyTorch's candidate best configurations for `threads` threads: one thread, and all threads with passive waiting. */
function torchPeers(threads: number): TorchPeer[] {
  return threads > 1 ? [new TorchPeer(1, false), new TorchPeer(threads, true)] : [new TorchPeer(1, false)];
}

export async function runBench(o: BenchOptions = {}): Promise<BenchReport> {
  checkPeers(o);
  if (o.threads !== undefined) setThreads(o.threads);
  setBackend(o.backend ?? "fast");
  const loadBefore = await loadAverage();
  const averagesBefore = await loadAverages();
  const want = (name: string) => !o.peers || o.peers.some((p) => name.startsWith(p));
  const peers = [new TfjsPeer("cpu"), new TfjsPeer("wasm")].filter((p) => want(p.name));
  const torch = want("torch") ? torchPeers(getThreads()) : [];
  const results: WorkloadResult[] = [];
  try {
    for (const w of selected(o)) results.push(await runWorkload(w, o, peers, torch));
  } finally {
    for (const t of torch) t.close();
  }
  const loadAfter = await loadAverage();
  const averagesAfter = await loadAverages();
  const load: [number, number] | null = loadBefore === null || loadAfter === null ? null : [loadBefore, loadAfter];
  return {
    backend: getBackend(),
    threads: getThreads(),
    load,
    loadAverages: averagesBefore && averagesAfter ? { before: averagesBefore, after: averagesAfter } : null,
    peerConfigs: Object.fromEntries(torch.map((t) => [t.name, t.config])),
    relaxedSimd: fastInfo().relaxedSimd,
    quick: !!o.quick,
    workloads: results,
  };
}

async function runWorkload(w: Workload, o: BenchOptions, peers: TfjsPeer[], torch: TorchPeer[]): Promise<WorkloadResult> {
  const reps = repsFor(w, o);
  const warmups = o.quick ? 1 : 2;
  const result: WorkloadResult = { name: w.name, description: w.description, ms: null, gflops: null, peers: {} };
  const contenders: Contender[] = [];
  try {
    const step = fundlStep(w.name);
    for (let i = 0; i < warmups; i++) step();
    contenders.push(contender("fundl", async () => time(step)));
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
      const c = contender(peer.name, async () => (await peer.activate(), time(step)), first.wall < SLOW_MS);
      if (!c.repeat) record(c, first); // seconds per step: its first run is the one sample
      else for (let i = 1; i < warmups; i++) step();
      contenders.push(c);
    } catch (err) {
      result.peers[peer.name] = { error: message(err) };
    }
  }
  for (const t of torch) {
    try {
      await t.setup(w.name);
      for (let i = 0; i < warmups; i++) await t.sample();
      contenders.push(contender(t.name, () => t.sample()));
    } catch (err) {
      result.peers[t.name] = { error: message(err) };
    }
  }
  for (let r = 0; r < reps; r++) {
    for (const c of contenders) {
      if (c.repeat) record(c, await c.sample());
      o.onSample?.(w.name, c.name);
    }
  }
  const fundl = contenders.find((c) => c.name === "fundl");
  if (fundl) {
    result.timing = summarize(fundl.samples, false, fundl.cpu, fundl.faults);
    result.ms = result.timing.ms;
    result.gflops = w.flops === null ? null : w.flops / result.ms / 1e6;
  }
  for (const c of contenders) {
    if (c.name === "fundl") continue;
    const t = summarize(c.samples, !c.repeat, c.cpu, c.faults);
    result.peers[c.name] = { ...t, ratio: result.ms ? t.ms / result.ms : NaN };
  }
  result.peers = Object.fromEntries([...peers, ...torch].map((p) => [p.name, result.peers[p.name]!])); // fixed order
  return result;
}
