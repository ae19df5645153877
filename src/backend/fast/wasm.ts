/**
 * The kernel module: compiled once (relaxed-SIMD variant where the engine validates it, else plain
 * SIMD), instantiated on one shared WebAssembly.Memory that every worker instantiates too.
 */
import { enableRelaxedSimdFlag, env } from "./platform.js";
import { relaxedWasm, simdWasm, singleWasm } from "./wasm-binaries.generated.js";

/** The exports of asm/index.ts (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemmBatch(batch: number, strideA: number, strideB: number, strideC: number, transA: number, transB: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemmScratchBytes(): number;
  convForward(x: number, w: number, y: number, bias: number, geo: number, b0: number, b1: number, c0: number, c1: number, scratch: number): void;
  convBackwardInput(gy: number, w: number, gx: number, geo: number, b0: number, b1: number, q0: number, q1: number, scratch: number): void;
  convBackwardWeight(gy: number, x: number, gw: number, geo: number, c0: number, c1: number, q0: number, q1: number, scratch: number): void;
  convScratchBytes(geo: number): number;
  winogradFilter(w: number, u: number, nOut: number, nIn: number, flip: number): void;
  winogradConv(x: number, u: number, y: number, bias: number, geo: number, b0: number, b1: number, accumulate: number, scratch: number): void;
  winogradScratchBytes(geo: number): number;
  maxPool2x2(x: number, y: number, arg: number, h: number, w: number, ho: number, wo: number, p0: number, p1: number, scratch: number): void;
  biasGrad(gy: number, gb: number, batch: number, cout: number, plane: number, c0: number, c1: number, scratch: number): void;
  reluForward(x: number, y: number, n: number): void;
  reluBackward(x: number, gy: number, gx: number, n: number, accumulate: number): void;
  lstmGatesForward(px: number, ph: number, c: number, act: number, tc: number, hOut: number, cOut: number, batch: number, hidden: number): void;
  lstmGatesBackward(gh: number, gc: number, act: number, tc: number, c: number, dpx: number, gcPrev: number, batch: number, hidden: number): void;
  gruGatesForward(px: number, ph: number, h: number, act: number, hOut: number, batch: number, hidden: number): void;
  gruGatesBackward(gh: number, act: number, h: number, ph: number, dpx: number, dph: number, direct: number, batch: number, hidden: number): void;
  ugrnnGatesForward(px: number, ph: number, h: number, act: number, hOut: number, batch: number, hidden: number): void;
  ugrnnGatesBackward(gh: number, act: number, h: number, dpx: number, direct: number, batch: number, hidden: number): void;
  addColumnSums(g: number, out: number, rows: number, cols: number): void;
}

/** Names of the exports workers may be asked to run, in a fixed order (task ids). */
export const TASKS = [
  "gemmBatch", "convForward", "convBackwardInput", "convBackwardWeight", "biasGrad", "maxPool2x2", "winogradConv",
  "lstmGatesForward", "lstmGatesBackward", "gruGatesForward", "gruGatesBackward", "ugrnnGatesForward", "ugrnnGatesBackward",
  "convForwardRelu", "reluMaskBiasGrad", "maxPool2x2Backward", "gemmPacked",
] as const;
export type TaskName = (typeof TASKS)[number];

const MAX_PAGES = 32768; // 2 GiB, the limit asm/build.mjs declares
/** The most bytes the kernels' memory may grow to. */
export const MAX_MEMORY_BYTES = MAX_PAGES * 64 * 1024;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Whether this engine can make shared WebAssembly memory (a browser page needs cross-origin isolation). */
function sharedMemoryWorks(): boolean {
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

function pickBinary(shared: boolean): { bytes: Uint8Array<ArrayBuffer>; relaxed: boolean } {
  if (!shared) {
    const single = decode(singleWasm);
    if (!WebAssembly.validate(single)) throw new Error("this engine does not support WebAssembly SIMD");
    return { bytes: single, relaxed: false };
  }
  enableRelaxedSimdFlag();
  const relaxed = decode(relaxedWasm);
  if (env("FUNDL_NO_RELAXED_SIMD") !== "1" && WebAssembly.validate(relaxed)) return { bytes: relaxed, relaxed: true };
  const plain = decode(simdWasm);
  if (!WebAssembly.validate(plain)) throw new Error("this engine does not support WebAssembly SIMD (with threads)");
  return { bytes: plain, relaxed: false };
}

export interface WasmRuntime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  relaxed: boolean;
  /** The memory is shared, so worker threads can run kernels on it. */
  shared: boolean;
}

let runtime: WasmRuntime | null = null;

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const imports = { env: { memory, abort: () => { throw new Error("fundl wasm kernel aborted"); } } };
  return new WebAssembly.Instance(module, imports).exports as unknown as KernelExports;
}

/** The main thread's runtime, created on first use (synchronous compile: the module is small). */
export function wasmRuntime(): WasmRuntime {
  if (runtime) return runtime;
  const shared = sharedMemoryWorks();
  const { bytes, relaxed } = pickBinary(shared);
  return build(new WebAssembly.Module(bytes), relaxed, shared);
}

/** The same runtime, compiled without blocking the thread (for `fl.ready`); the synchronous path finds it made. */
export async function wasmRuntimeAsync(): Promise<WasmRuntime> {
  if (runtime) return runtime;
  const shared = sharedMemoryWorks();
  const { bytes, relaxed } = pickBinary(shared);
  const module = await WebAssembly.compile(bytes);
  return runtime ?? build(module, relaxed, shared);
}

function build(module: WebAssembly.Module, relaxed: boolean, shared: boolean): WasmRuntime {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared });
  runtime = { module, memory, exports: instantiate(module, memory), relaxed, shared };
  return runtime;
}

// The elementwise and last-axis kernels (asm/pointwise.ts, asm/rows.ts), merged into the interface above.
export interface KernelExports {
  unaryForward(op: number, x: number, y: number, n: number): void;
  unaryBackward(op: number, x: number, y: number, gy: number, gx: number, n: number, accumulate: number): void;
  binaryForward(op: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, y: number, rows: number, cols: number): void;
  binaryBackward(op: number, side: number, g: number, a: number, aRow: number, aCol: number, b: number, bRow: number, bCol: number, y: number, t: number, tRow: number, tCol: number, rows: number, cols: number, accumulate: number, red: number): void;
  sumLast(x: number, y: number, rows: number, cols: number): void;
  expandLast(gy: number, gx: number, rows: number, cols: number, accumulate: number): void;
  extremeLast(x: number, y: number, arg: number, rows: number, cols: number, isMin: number): void;
  logSumExpLast(x: number, y: number, rows: number, cols: number): void;
  logSumExpLastBackward(x: number, y: number, gy: number, gx: number, rows: number, cols: number, accumulate: number): void;
  softmaxLast(x: number, y: number, rows: number, cols: number, log: number): void;
  softmaxLastBackward(y: number, gy: number, gx: number, rows: number, cols: number, log: number, accumulate: number): void;
}

/** The conv epilogue kernels' exports (asm/conv.ts, asm/maxpool.ts, asm/finite.ts), merged into KernelExports. */
export interface KernelExports {
  convForwardRelu(x: number, w: number, y: number, bias: number, geo: number, b0: number, b1: number, c0: number, c1: number, scratch: number): void;
  reluMaskBiasGrad(y: number, gy: number, gm: number, gb: number, batch: number, cout: number, plane: number, c0: number, c1: number, scratch: number): void;
  maxPool2x2Backward(gy: number, arg: number, gx: number, h: number, w: number, ho: number, wo: number, p0: number, p1: number, accumulate: number, scratch: number): void;
  firstNonFinite(x: number, n: number): number;
}


/** GEMM against a B packed once (asm/gemm.ts: gemmPackB's layout), merged into KernelExports. */
export interface KernelExports {
  gemmPackedBFloats(n: number, k: number): number;
  gemmPackedScratchBytes(): number;
  gemmPackB(transB: number, n: number, k: number, b: number, ldb: number, dst: number): void;
  gemmPacked(transA: number, m: number, n: number, k: number, a: number, lda: number, bp: number, j0: number, j1: number, c: number, ldc: number, accumulate: number, scratch: number): void;
}
