/**
 * Backend selection. A backend is a set of kernel overrides on top of the reference definitions,
 * so a fast kernel can be swapped in per kernel: `registerBackend("fast", { matmul })`.
 */
import type { Kernels } from "./kernels.js";
import { referenceKernels } from "./reference.js";
import { coreCount, fastInfo, fastKernels, setFastThreads } from "./fast/index.js";
import { jsKernels } from "./im2col.js";

export type { Conv2dArgs, Kernels, MatmulArgs, Pool2dArgs } from "./kernels.js";

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

/** What the kernels run on: the active backend, threads, and for "fast" its SIMD flavour and wasm memory. */
export function backendInfo(): { backend: string; threads: number; wasm: ReturnType<typeof fastInfo> } {
  return { backend: activeName, threads, wasm: fastInfo() };
}
