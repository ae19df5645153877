/**
 * The fast backend's state, created on first use: the wasm runtime, the call arena, the worker pool,
 * and how many threads kernels may use. The pool starts either with `startFast` (awaited by
 * `fl.ready`, never blocking) or, in Node, on the first kernel call that wants threads (waiting at
 * most START_GRACE_MS; a failing worker ends the wait at once). In a browser the synchronous path
 * never starts workers — a worker's child starts only once the parent yields, so waiting for it
 * would deadlock — and runs on one thread, saying so once, until `fl.ready` has been awaited.
 */
import { Arena } from "./arena.js";
import { WasmHeap } from "./heap.js";
import { WasmStorage } from "./storage.js";
import { setStorageProvider } from "../../storage.js";
import { env, isNode } from "./platform.js";
import { WorkerPool } from "./pool.js";
import { MAX_MEMORY_BYTES, wasmRuntime, wasmRuntimeAsync, type WasmRuntime } from "./wasm.js";

export interface FastContext {
  rt: WasmRuntime;
  /** The allocator of the kernels' memory: tensor storage, gradients, scratch. */
  heap: WasmHeap;
  arena: Arena;
  pool: WorkerPool;
}

/** Below this much work (multiply-adds × 2) per thread, another thread costs more than it saves. */
const MIN_FLOPS_PER_THREAD = 2 << 20;
/** How long the synchronous start (Node) waits for workers to come up; a slower one joins when it is up. */
const START_GRACE_MS = 2_000;
/** How long `startFast` waits for workers before it gives them up. */
export const START_TIMEOUT_MS = 10_000;

/** Why the pool has not started in a browser before `fl.ready`. */
export const BROWSER_NOT_READY = "in a browser the worker pool starts only with `await fl.ready()`; until then kernels run on one thread";
const NOT_STARTED = "the worker pool starts with the first kernel call (Node) or `await fl.ready()`";

let ctx: FastContext | null = null;
let unavailable: string | null = null;
let threads = 1;
/** The thread count the pool was last sized for (null: never started). */
let sizedFor: number | null = null;
/** Whether `startFast` has run (a browser's synchronous path may then start workers without waiting). */
let readied = false;
const warned = new Set<string>();

function warnOnce(reason: string): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  console.warn(`fundl: running on one thread: ${reason}`);
}

function makeContext(rt: WasmRuntime): FastContext {
  const heap = new WasmHeap(rt, MAX_MEMORY_BYTES);
  ctx = { rt, heap, arena: new Arena(rt, heap), pool: new WorkerPool(rt) };
  // tensors may live in the kernels' memory only where growing it never detaches their views
  // (FUNDL_WASM_STORAGE=0 keeps every tensor in JavaScript arrays, for comparisons)
  if (rt.shared && env("FUNDL_WASM_STORAGE") !== "0") setStorageProvider(new WasmStorage(heap));
  return ctx;
}

function noteUnavailable(err: unknown): void {
  unavailable = err instanceof Error ? err.message : String(err);
  console.warn(`fundl: fast kernels unavailable (${unavailable}); using the reference kernels`);
}

/** The context, or null when this engine cannot run the kernels (then callers use the reference). */
export function fastContext(): FastContext | null {
  if (ctx || unavailable !== null) return ctx;
  try {
    makeContext(wasmRuntime());
  } catch (err) {
    noteUnavailable(err);
  }
  return ctx;
}

export function setFastThreads(n: number): void {
  threads = n;
}

/**
 * Compile the kernels and bring the pool up to the thread setting without blocking: resolves when
 * every worker is up, or when the pool has fallen back to one thread (reported once on the console
 * and in `fastInfo`).
 */
export async function startFast(timeoutMs: number = START_TIMEOUT_MS): Promise<void> {
  if (!ctx && unavailable === null) {
    try {
      makeContext(await wasmRuntimeAsync());
    } catch (err) {
      noteUnavailable(err);
    }
  }
  readied = true;
  if (!ctx) return;
  sizedFor = threads;
  if (threads > 1 && ctx.pool.unthreaded) return warnOnce(ctx.pool.unthreaded);
  await ctx.pool.start(threads, timeoutMs);
}

/** Bring the pool to the thread setting on the synchronous path (see the file comment). */
function syncPool(c: FastContext): void {
  if (sizedFor === threads) return;
  if (threads > 1 && c.pool.unthreaded) {
    warnOnce(c.pool.unthreaded);
  } else if (threads > 1 && !isNode && !readied) {
    return warnOnce(BROWSER_NOT_READY); // stays unsized: the first call after `fl.ready` sizes it
  } else {
    c.pool.resize(threads, isNode ? START_GRACE_MS : 0);
  }
  sizedFor = threads;
}

/** How many threads a call doing `flops` of work should use (starting or stopping workers to match the setting). */
export function threadsFor(c: FastContext, flops: number): number {
  syncPool(c);
  return Math.max(1, Math.min(c.pool.size, Math.floor(flops / MIN_FLOPS_PER_THREAD)));
}

/** What the fast backend runs on, for reports. */
export interface FastInfo {
  /** Whether the WebAssembly kernels run here (else the reference kernels do, see `reason`). */
  available: boolean;
  /** Whether the kernels use relaxed-SIMD FMA (else plain SIMD). */
  relaxedSimd: boolean;
  /** Threads that take kernel tasks now: this one plus the pool's workers that are up. */
  threads: number;
  /** Threads asked for (`setThreads`, `fl.ready({ threads })`, or the core count). */
  requestedThreads: number;
  /** Why `threads` is below `requestedThreads`, when it is. */
  threadsNote?: string;
  /** Bytes of WebAssembly memory the kernels hold. */
  wasmBytes: number;
  /** Of those, bytes in live heap blocks (tensor storage, gradients, kernel scratch) and in freed blocks kept for reuse. */
  heap?: { inUse: number; free: number; blocks: number };
  /** Why the kernels are unavailable. */
  reason?: string;
}

/** What the fast backend runs on: SIMD flavour, threads (with the reason when fewer than asked), wasm memory. */
export function fastInfo(): FastInfo {
  const c = fastContext();
  if (!c) return { available: false, relaxedSimd: false, threads: 1, requestedThreads: threads, threadsNote: unavailable ?? undefined, wasmBytes: 0, reason: unavailable ?? undefined };
  const live = Math.min(threads, c.pool.readyThreads);
  const { inUse, free, blocks } = c.heap.stats();
  const info: FastInfo = { available: true, relaxedSimd: c.rt.relaxed, threads: live, requestedThreads: threads, wasmBytes: c.arena.capacity, heap: { inUse, free, blocks } };
  if (live < threads) info.threadsNote = threadsNote(c);
  return info;
}

function threadsNote(c: FastContext): string {
  if (c.pool.reason) return c.pool.reason;
  if (sizedFor === null) return isNode || readied ? NOT_STARTED : BROWSER_NOT_READY;
  if (c.pool.starting > 0) return `${c.pool.starting} worker(s) still starting`;
  return NOT_STARTED;
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
