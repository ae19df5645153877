/**
 * The fast backend's state, created on first use: the wasm runtime, the call arena, the worker pool,
 * and how many threads kernels may use.
 */
import { Arena } from "./arena.js";
import { WorkerPool } from "./pool.js";
import { wasmRuntime, type WasmRuntime } from "./wasm.js";

export interface FastContext {
  rt: WasmRuntime;
  arena: Arena;
  pool: WorkerPool;
}

/** Below this much work (multiply-adds × 2) per thread, another thread costs more than it saves. */
const MIN_FLOPS_PER_THREAD = 2 << 20;

let ctx: FastContext | null = null;
let unavailable: string | null = null;
let threads = 1;

/** The context, or null when this engine cannot run the kernels (then callers use the reference). */
export function fastContext(): FastContext | null {
  if (ctx || unavailable !== null) return ctx;
  try {
    const rt = wasmRuntime();
    ctx = { rt, arena: new Arena(rt), pool: new WorkerPool(rt) };
  } catch (err) {
    unavailable = err instanceof Error ? err.message : String(err);
    console.warn(`fundl: fast kernels unavailable (${unavailable}); using the reference kernels`);
  }
  return ctx;
}

export function setFastThreads(n: number): void {
  threads = n;
}

/** How many threads a call doing `flops` of work should use (starting or stopping workers to match the setting). */
export function threadsFor(c: FastContext, flops: number): number {
  if (c.pool.size !== threads) c.pool.resize(threads);
  return Math.max(1, Math.min(c.pool.size, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
}

/** What the fast backend runs on, for reports: SIMD flavour, threads, wasm memory in use. */
export function fastInfo(): { available: boolean; relaxedSimd: boolean; threads: number; wasmBytes: number; reason?: string } {
  const c = fastContext();
  if (!c) return { available: false, relaxedSimd: false, threads: 1, wasmBytes: 0, reason: unavailable ?? undefined };
  return { available: true, relaxedSimd: c.rt.relaxed, threads, wasmBytes: c.arena.capacity };
}

/** How many tasks to cut `units` of work into for `threads` threads: a few per thread, so a delayed thread does not hold up the rest. */
export function chunkCount(units: number, threads: number, perThread = 2): number {
  return threads <= 1 ? 1 : Math.max(1, Math.min(units, threads * perThread));
}

/** Split [0, total) into `parts` contiguous ranges of near-equal size, each a multiple of `unit` where possible. */
export function splitRange(total: number, parts: number, unit = 1): Array<[number, number]> {
  const units = Math.ceil(total / unit);
  const out: Array<[number, number]> = [];
  for (let p = 0; p < parts; p++) {
    const lo = Math.min(total, Math.floor((units * p) / parts) * unit);
    const hi = Math.min(total, Math.floor((units * (p + 1)) / parts) * unit);
    if (hi > lo) out.push([lo, hi]);
  }
  return out;
}
