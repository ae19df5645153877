/**
 * What the host offers the fast backend: Node's modules (loaded dynamically, so the core imports
 * nothing Node-only and a browser bundle never sees them), the core count, and whether this thread
 * may block with Atomics.wait (Node's main thread may; a browser's main thread may not).
 */
type WorkerThreads = typeof import("node:worker_threads");

const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;
export const isNode = typeof proc?.versions?.node === "string";

/** An environment variable in Node; undefined in a browser. */
export function env(name: string): string | undefined {
  return proc?.env?.[name];
}

// The specifiers are held in variables so that bundlers leave them alone.
const workerThreadsId = "node:worker_threads";
const osId = "node:os";
const v8Id = "node:v8";

export const nodeWorkerThreads: WorkerThreads | null = isNode ? ((await import(workerThreadsId)) as WorkerThreads) : null;
const nodeOs: typeof import("node:os") | null = isNode ? ((await import(osId)) as typeof import("node:os")) : null;
const nodeV8: typeof import("node:v8") | null = isNode ? ((await import(v8Id)) as typeof import("node:v8")) : null;

/** The number of cores this process may use. */
export function coreCount(): number {
  if (nodeOs) return Math.max(1, nodeOs.availableParallelism?.() ?? nodeOs.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * Turn on V8's relaxed-SIMD support where it is still behind a flag (Node 20). Harmless where it is
 * already on; set FUNDL_NO_RELAXED_SIMD=1 to keep to plain SIMD.
 */
export function enableRelaxedSimdFlag(): void {
  if (!nodeV8 || env("FUNDL_NO_RELAXED_SIMD") === "1") return;
  try {
    nodeV8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // an engine without the flag: detection below simply finds no relaxed SIMD
  }
}

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
export function canBlock(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
