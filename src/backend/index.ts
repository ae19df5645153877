/**
 * Backend selection. A backend is a set of kernel overrides on top of the reference definitions,
 * so a fast kernel can be swapped in per kernel: `registerBackend("fast", { matmul })`.
 */
import type { Kernels } from "./kernels.js";
import { referenceKernels } from "./reference.js";
import { START_TIMEOUT_MS, coreCount, fastInfo, fastKernels, setFastThreads, startFast, type FastInfo } from "./fast/index.js";
import { jsKernels } from "./im2col.js";

export type { Conv2dArgs, Kernels, MatmulArgs, Pool2dArgs, UnaryKernelOp, BinaryKernelOp, BinaryArgs, OperandLayout } from "./kernels.js";
export type { FastInfo } from "./fast/index.js";

const registry = new Map<string, Partial<Kernels>>([
  ["reference", {}],
  ["fast", fastKernels],
  ["js", jsKernels],
]);
// "fast" is the default (for float64 and where wasm is missing its matmul and conv kernels fall back
// to the blocked TypeScript kernels of "js", and tiny problems to the reference loops);
// FUNDL_BACKEND=reference selects the definitions from the start.
let activeName = defaultBackend();
let active: Required<Kernels> = { ...referenceKernels, ...registry.get(activeName) };
let threads = coreCount();
setFastThreads(threads);

function defaultBackend(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FUNDL_BACKEND;
  return env && registry.has(env) ? env : "fast";
}

/**
 * Add (or replace) a backend made of kernel overrides; kernels it leaves out use the reference.
 * An override must honour every argument of the kernel it replaces (e.g. conv2dForward's bias and
 * conv2dBackwardWeight's gb, the accumulate flags), or the ops that rely on them go wrong.
 */
export function registerBackend(name: string, overrides: Partial<Kernels>): void {
  registry.set(name, overrides);
  if (name === activeName) active = { ...referenceKernels, ...overrides };
}

/** Choose the backend every op uses from now on: "reference" or a registered one such as "fast". */
export function setBackend(name: string): void {
  const overrides = registry.get(name);
  if (!overrides) {
    throw new Error(`setBackend: unknown backend ${JSON.stringify(name)}; registered: ${[...registry.keys()].join(", ")}`);
  }
  activeName = name;
  active = { ...referenceKernels, ...overrides };
}

/** The name of the active kernel backend ("fast", "js" or "reference"). */
export function getBackend(): string {
  return activeName;
}

/** The names of the registered kernel backends. */
export function listBackends(): string[] {
  return [...registry.keys()];
}

/** The kernels of the active backend (all of them: the reference fills what a backend leaves out). */
export function kernels(): Required<Kernels> {
  return active;
}

/** How many threads fast kernels may use (default: the number of cores). The reference backend uses one. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads: expected a positive integer, got ${n}`);
  threads = n;
  setFastThreads(n);
}

/** The number of threads the fast kernels use. */
export function getThreads(): number {
  return threads;
}

/** What the kernels run on: see `backendInfo`. */
export interface BackendInfo {
  /** The active backend's name. */
  backend: string;
  /**
   * Threads the kernels use now: for "fast", this thread plus the pool's workers that are up; 1 for
   * the single-threaded "reference" and "js" backends.
   */
  threads: number;
  /** Threads asked for (`setThreads`, `ready({ threads })`, or by default the core count). */
  requestedThreads: number;
  /** Why `threads` is below `requestedThreads`, when it is (no cross-origin isolation, a browser's main thread, a worker that failed, ...). */
  threadsNote?: string;
  /** The fast backend's WebAssembly kernels: SIMD flavour, threads, memory. */
  wasm: FastInfo;
}

const SINGLE_THREADED: Record<string, string> = {
  reference: "the reference backend runs on one thread",
  js: "the js backend runs on one thread",
};

/** What the kernels run on: the active backend, the threads in use (truthfully, with the reason when fewer than asked), and for "fast" its SIMD flavour and wasm memory. */
export function backendInfo(): BackendInfo {
  const wasm = fastInfo();
  const single = SINGLE_THREADED[activeName];
  const info: BackendInfo = { backend: activeName, threads: single ? 1 : wasm.threads, requestedThreads: threads, wasm };
  const note = single ?? wasm.threadsNote;
  if (info.threads < threads && note) info.threadsNote = note;
  return info;
}

/** Options of `ready`. */
export interface ReadyOptions {
  /** Threads the kernels may use (the caller included); default: the current setting (the core count unless `setThreads` changed it). */
  threads?: number;
  /** How long to wait for the workers before running on one thread without them (default 10,000 ms). */
  timeoutMs?: number;
}

/**
 * Bring the fast backend up without blocking: compile the WebAssembly kernels and start the worker
 * pool with `threads` threads. Resolves (never rejects for a missing feature) with `backendInfo()`
 * once every worker is up or the pool has fallen back to one thread; a fallback is reported once on
 * the console and in `threads`/`threadsNote`. After it resolves, ops run synchronously as before.
 *
 * In Node it is optional (the first op starts the pool); in a browser it is how threads start, and
 * they need a Web Worker (a page's main thread may not block in Atomics.wait) and cross-origin
 * isolation (COOP `same-origin` and COEP `require-corp` headers), else fundl runs on one thread.
 *
 * ```ts
 * const info = await fl.ready({ threads: 4 });
 * if (info.threads < 4) console.log(info.threadsNote);
 * ```
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  // every option is checked before any takes effect: a bad timeout leaves the thread setting alone
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new RangeError(`ready: timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  if (options.threads !== undefined) setThreads(options.threads);
  await startFast(timeoutMs);
  return backendInfo();
}
