/**
 * `fundl bench [--quick] [--json] [--threads N] [--only a,b] [--peers a,b]`: fundl against TensorFlow.js (CPU and
 * WebAssembly backends, in this process) and PyTorch (a python3 child, where torch imports) on the
 * workloads of src/bench/workload.ts, interleaved sample by sample.
 */
import type { Command } from "commander";
import { round } from "../bench/stats.js";
import { plannedSamples, runBench, type BenchReport, type PeerResult } from "../bench/run.js";
import { printJsonLine, positiveInt, table } from "./output.js";
import { progressBar } from "./progress.js";

interface BenchCliOptions {
  quick?: boolean;
  backend?: string;
  json?: boolean;
  threads?: number;
  only?: string;
  peers?: string;
  reps?: number;
}

function peerCell(p: PeerResult | undefined): string {
  if (!p) return "-";
  if ("error" in p) return "n/a";
  return `${round(p.ms)} ms (${round(p.ratio)}×)${p.single ? " ¹" : ""}`;
}

/** PyTorch's faster configuration for a workload (by median), or null when none ran. */
function bestTorch(w: BenchReport["workloads"][number]): [string, Exclude<PeerResult, { error: string }>] | null {
  let best: [string, Exclude<PeerResult, { error: string }>] | null = null;
  for (const [name, p] of Object.entries(w.peers)) {
    if (!name.startsWith("torch") || "error" in p) continue;
    if (!best || p.ms < best[1].ms) best = [name, p];
  }
  return best;
}

function render(report: BenchReport): string {
  const torchNames = Object.keys(report.peerConfigs);
  const tfjsNames = ["tfjs-cpu", "tfjs-wasm"].filter((n) => report.workloads.some((w) => n in w.peers));
  const rows = report.workloads.map((w) => {
    const best = bestTorch(w);
    return [
      w.name,
      w.ms === null ? `error` : `${round(w.ms)} ms`,
      w.timing ? `${round(w.timing.min)}–${round(w.timing.max)}` : "",
      w.timing?.cpuMs === undefined ? "" : String(round(w.timing.cpuMs)),
      w.timing?.faults === undefined ? "" : String(Math.round(w.timing.faults)),
      w.timing ? `${round(w.timing.slowestOverMedian)}` : "",
      w.gflops === null ? "" : String(round(w.gflops)),
      ...torchNames.map((n) => {
        const p = w.peers[n];
        return p && !("error" in p) ? `${peerCell(p)} ${round(p.min)}–${round(p.max)}${best?.[0] === n ? " *" : ""}` : peerCell(p);
      }),
      ...tfjsNames.map((n) => peerCell(w.peers[n])),
    ];
  });
  const avg = report.loadAverages;
  const lines = [
    `fundl bench — backend ${report.backend}, ${report.threads} thread(s), ${report.relaxedSimd ? "relaxed-SIMD FMA" : "plain SIMD"}${report.quick ? ", --quick" : ""}; medians; (N×) = peer time / fundl time`,
    avg
      ? `load averages (1, 5, 15 min) ${avg.before.join(" ")} before → ${avg.after.join(" ")} after${avg.before[0]! > 0.5 || avg.after[0]! > 0.5 ? ": other processes shared the cores, so wall times are inflated and noisy" : ""}`
      : report.load ? `load average ${report.load[0]} → ${report.load[1]}` : "",
    ...torchNames.map((n) => `${n}: ${report.peerConfigs[n]}`),
    "",
    table(["workload", "fundl", "range ms", "cpu ms", "faults/step", "max/med", "GFLOP/s", ...torchNames.map((n) => `${n} (range)`), ...tfjsNames], rows),
  ];
  if (torchNames.length) lines.push("", "* PyTorch's faster configuration for the workload");
  const notes: string[] = [];
  for (const w of report.workloads) {
    if (w.error) notes.push(`${w.name}: fundl: ${w.error}`);
    for (const [peer, p] of Object.entries(w.peers)) if ("error" in p) notes.push(`${w.name}: ${peer}: ${p.error}`);
  }
  if (report.workloads.some((w) => Object.values(w.peers).some((p) => "single" in p && p.single))) notes.unshift("¹ a single sample (the peer is too slow to repeat)");
  notes.unshift("max/med: fundl's slowest step over its median step (steadiness; --reps 50 for a longer run)");
  notes.unshift("cpu ms: CPU time per step of all fundl's threads (wall time stretches when other processes share the cores)");
  if (notes.length) lines.push("", ...notes);
  return lines.join("\n");
}

/** The --json line: the shape, plus the spread of fundl's samples. */
function jsonReport(r: BenchReport): unknown {
  return {
    backend: r.backend,
    threads: r.threads,
    load: r.load,
    loadAverages: r.loadAverages,
    peerConfigs: r.peerConfigs,
    relaxedSimd: r.relaxedSimd,
    quick: r.quick,
    workloads: r.workloads.map((w) => ({
      name: w.name,
      ms: w.ms === null ? null : round(w.ms),
      gflops: w.gflops === null ? null : round(w.gflops),
      ...(w.timing ? { min: round(w.timing.min), max: round(w.timing.max), samples: w.timing.samples, cpuMs: w.timing.cpuMs === undefined ? null : round(w.timing.cpuMs), faultsPerStep: w.timing.faults ?? null, slowestOverMedian: round(w.timing.slowestOverMedian) } : {}),
      ...(w.error ? { error: w.error } : {}),
      peers: Object.fromEntries(
        Object.entries(w.peers).map(([k, p]) => [
          k,
          "error" in p
            ? { error: p.error }
            : { ms: round(p.ms), ratio: round(p.ratio), min: round(p.min), max: round(p.max), samples: p.samples, cpuMs: p.cpuMs === undefined ? null : round(p.cpuMs), faultsPerStep: p.faults ?? null, ...(p.single ? { single: true } : {}) },
        ]),
      ),
    })),
  };
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("time fundl against TensorFlow.js (CPU and WebAssembly backends) and PyTorch (where python3 has torch) on GEMM, convolution, a CNN step and recurrent sequences")
    .option("--quick", "fewer repetitions (under a minute); skips the slowest peer runs")
    .option("--threads <n>", "threads for fundl's fast kernels (default: all cores)", positiveInt("--threads"))
    .option("--only <names>", "comma-separated workloads to run")
    .option("--peers <names>", "comma-separated peers to run (prefixes: tfjs-cpu, tfjs-wasm, tfjs, torch; none: fundl alone; default all)")
    .option("--backend <name>", "fundl's kernel backend (default fast)")
    .option("--reps <n>", "timed samples per workload and library (default: each workload's own count)", positiveInt("--reps"))
    .option("--json", "end with one JSON line of results")
    .action(async (o: BenchCliOptions) => {
      const options = { quick: !!o.quick, backend: o.backend, threads: o.threads, only: o.only?.split(",").map((s) => s.trim()).filter(Boolean), peers: o.peers?.split(",").map((s) => s.trim()).filter(Boolean), reps: o.reps };
      const bar = progressBar("bench", plannedSamples(options), "{workload}");
      const report = await runBench({ ...options, onSample: (workload) => bar.increment({ workload }) });
      bar.stop();
      console.log(render(report));
      if (o.json) printJsonLine(jsonReport(report));
    });
}
