#!/usr/bin/env node
/**
 * The elementwise and last-axis kernels in WebAssembly SIMD against their JavaScript definitions
 * (the closure loops of src/backend/elementwise-reference.ts), float32, one thread:
 *
 *   npm run build && node scripts/bench-elementwise.mjs [--sizes 256,4096,65536] [--repeats 9] [--only exp,add] [--force]
 *
 * For each kernel and size the definition and the kernel alternate (so load from other processes
 * falls on both alike), with operands either in JavaScript arrays (the kernel copies them in and its
 * output out) or already in wasm memory (used in place, as intermediate gradients are). Each timing
 * is the mean of enough calls to fill ~2 ms; prints the median over the repeats (and min–max) in ns
 * per element, the ratio definition / kernel of the medians, and the load average before and after.
 *
 * --mlp instead times one training step (forward, backward, SGD) of a 784 → 512 tanh → 256 σ → 10
 * MLP with a logSoftmax loss built from ops, batch 64 (--batch N), on the "fast" backend with and without the
 * elementwise kernels (the definitions then run the same ops), alternating, 2 threads for the GEMMs.
 */
import { loadavg } from "node:os";
import * as ref from "../dist/backend/elementwise-reference.js";
import { elementwiseThresholds, fastElementwiseKernels as fast } from "../dist/backend/fast/elementwise.js";
import { fastContext } from "../dist/backend/fast/context.js";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const sizes = arg("sizes", "64,256,1024,4096,16384,262144").split(",").map(Number);
const repeats = Number(arg("repeats", "9"));
const only = arg("only", "")?.split(",").filter(Boolean) ?? [];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// --force: every call runs in wasm whatever its size (to find where the kernel starts to pay)
if (process.argv.includes("--force")) Object.assign(elementwiseThresholds, { copiedCheap: 0, copiedTranscendental: 0, inPlaceCheap: 0, inPlaceTranscendental: 0 });
const ctx = fastContext();
if (!ctx) throw new Error("the wasm kernels are unavailable here");

function random(n, lo = -3, hi = 3) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.random() * (hi - lo);
  return a;
}

/** A copy of `a` in wasm memory. */
function resident(a) {
  const at = ctx.heap.alloc(Math.max(1, a.length) * 4);
  const v = ctx.heap.f32(at, a.length);
  v.set(a);
  return v;
}

if (process.argv.includes("--mlp")) {
  const fl = await import("../dist/index.js");
  const without = Object.fromEntries(Object.entries((await import("../dist/backend/fast/index.js")).fastKernels).filter(([k]) => !(k in fast)));
  fl.registerBackend("fast-without-elementwise", without);
  fl.setThreads(Number(arg("threads", "2")));
  const model = new fl.nn.Sequential(new fl.nn.Linear(784, 512), new fl.nn.Tanh(), new fl.nn.Linear(512, 256), new fl.nn.Sigmoid(), new fl.nn.Linear(256, 10));
  const opt = new fl.optim.SGD(model.parameters(), { lr: 0.01 });
  const batch = Number(arg("batch", "64"));
  const x = fl.randn([batch, 784], { seed: 1 });
  const onehot = fl.tensor(Array.from({ length: batch * 10 }, (_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0)), [batch, 10]);
  const step = () => {
    opt.zeroGrad();
    const loss = fl.neg(fl.mean(fl.sum(fl.mul(fl.logSoftmax(model.forward(x)), onehot), -1)));
    loss.backward();
    opt.step();
  };
  const times = { fast: [], "fast-without-elementwise": [] };
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  for (let r = 0; r < repeats * 4; r++) {
    for (const name of Object.keys(times)) {
      fl.setBackend(name);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) step();
      if (r > 0) times[name].push(Number(process.hrtime.bigint() - t0) / 5e6); // the first round warms up
    }
  }
  for (const [name, ts] of Object.entries(times)) console.log(`${name.padEnd(26)} ms/step median ${median(ts).toFixed(2)} (min ${Math.min(...ts).toFixed(2)}, max ${Math.max(...ts).toFixed(2)}, ${ts.length} × 5 steps)`);
  console.log(`speed-up of the medians: ${(median(times["fast-without-elementwise"]) / median(times.fast)).toFixed(2)}×`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  process.exit(0);
}

/** Each case: a name and, for n elements and a placement function, [definition, kernel] thunks. */
const cols = 128; // last-axis kernels: rows of 128 (a classifier's logits, a hidden layer)
const cases = [
  ...["exp", "tanh", "sigmoid", "log", "neg", "square"].map((op) => ({
    name: `${op} fwd`,
    make(n, put) {
      const x = put(op === "log" ? random(n, 0.1, 5) : random(n)), y = put(new Float32Array(n));
      return [() => ref.unaryForwardReference(op, x, y), () => fast.unaryForward(op, x, y)];
    },
  })),
  ...["exp", "tanh", "sigmoid"].map((op) => ({
    name: `${op} bwd`,
    make(n, put) {
      const x = put(random(n)), y = put(random(n, 0, 1)), g = put(random(n)), gx = put(random(n));
      return [() => ref.unaryBackwardReference(op, x, y, g, gx, true), () => fast.unaryBackward(op, x, y, g, gx, true)];
    },
  })),
  ...[["add", "same"], ["mul", "same"], ["div", "same"], ["add", "row"], ["mul", "scalar"]].map(([op, kind]) => ({
    name: `${op} ${kind}`,
    make(n, put) {
      const c = kind === "row" ? cols : n;
      const rows = n / c;
      const bLen = kind === "same" ? n : kind === "row" ? cols : 1;
      const args = { rows, cols: c, a: { rowStride: c, colStep: 1 }, b: kind === "same" ? { rowStride: c, colStep: 1 } : kind === "row" ? { rowStride: 0, colStep: 1 } : { rowStride: 0, colStep: 0 } };
      const a = put(random(n)), b = put(random(bLen, 1, 2)), y = put(new Float32Array(n));
      return [() => ref.binaryForwardReference(op, a, b, y, args), () => fast.binaryForward(op, a, b, y, args)];
    },
  })),
  {
    name: "sumLast",
    make(n, put) {
      const x = put(random(n)), y = put(new Float32Array(n / cols));
      return [() => ref.sumLastReference(x, y, n / cols, cols), () => fast.sumLast(x, y, n / cols, cols)];
    },
  },
  {
    name: "maxLast",
    make(n, put) {
      const x = put(random(n)), y = put(new Float32Array(n / cols)), arg = new Int32Array(n / cols);
      return [() => ref.extremeLastReference("max", x, y, arg, n / cols, cols), () => fast.extremeLast("max", x, y, arg, n / cols, cols)];
    },
  },
  {
    name: "logSumExpLast",
    make(n, put) {
      const x = put(random(n)), y = put(new Float32Array(n / cols));
      return [() => ref.logSumExpLastReference(x, y, n / cols, cols), () => fast.logSumExpLast(x, y, n / cols, cols)];
    },
  },
  ...[false, true].map((log) => ({
    name: log ? "logSoftmax fwd" : "softmax fwd",
    make(n, put) {
      const x = put(random(n)), y = put(new Float32Array(n));
      return [() => ref.softmaxLastReference(x, y, n / cols, cols, log), () => fast.softmaxLast(x, y, n / cols, cols, log)];
    },
  })),
  ...[false, true].map((log) => ({
    name: log ? "logSoftmax bwd" : "softmax bwd",
    make(n, put) {
      const y = put(log ? random(n, -6, -0.1) : random(n, 0, 0.1)), g = put(random(n)), gx = put(random(n));
      return [() => ref.softmaxLastBackwardReference(y, g, gx, n / cols, cols, log, true), () => fast.softmaxLastBackward(y, g, gx, n / cols, cols, log, true)];
    },
  })),
].filter((c) => only.length === 0 || only.some((o) => c.name.startsWith(o)));

/** Mean ns per call of `f` over enough calls to fill ~2 ms. */
function time(f) {
  let calls = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) f();
    const ns = Number(process.hrtime.bigint() - t0);
    if (ns > 2e6) return ns / calls;
    calls *= ns < 2e5 ? 10 : 2;
  }
}

const fmt = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
console.log("kernel            n        operands  definition ns/el (min–max)   kernel ns/el (min–max)   speed-up");
for (const c of cases) {
  for (const n of sizes) {
    if (c.name.includes("Last") || c.name.includes("softmax") || c.name.includes("row")) if (n % cols !== 0) continue;
    for (const where of ["js", "wasm"]) {
      const [def, ker] = c.make(n, where === "wasm" ? resident : (a) => a);
      const td = [], tk = [];
      for (let r = 0; r < repeats; r++) {
        td.push(time(def) / n);
        tk.push(time(ker) / n);
      }
      const md = median(td), mk = median(tk);
      console.log(
        `${c.name.padEnd(16)} ${String(n).padStart(7)}  ${where.padEnd(8)}  ${fmt(md).padStart(7)} (${fmt(Math.min(...td))}–${fmt(Math.max(...td))})`.padEnd(68) +
          `${fmt(mk).padStart(7)} (${fmt(Math.min(...tk))}–${fmt(Math.max(...tk))})`.padEnd(25) +
          `${(md / mk).toFixed(1)}×`,
      );
    }
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
