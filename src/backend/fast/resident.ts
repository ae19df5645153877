/**
 * Operands that stay in WebAssembly memory between kernel calls. An op that will pass the same
 * JavaScript array to many calls and promises never to change its contents (nn.RNN's snapshot of
 * W_hh, read by two GEMMs at every step) retains it: it is copied once into a heap block, and
 * matmul reads it there instead of copying it in again. At most MAX_RESIDENT arrays are held;
 * retaining another drops the oldest. An array that already lives in WebAssembly memory needs none
 * of this (kernels read it in place).
 */
import type { TypedArray } from "../../dtype.js";
import { fastContext } from "./context.js";
import { WasmMemoryFull } from "./heap.js";

const MAX_RESIDENT = 2;
const resident = new Map<TypedArray, number>();

/** Keep `a` (float32, contents fixed from now on) in wasm memory for later calls. */
export function fastRetain(a: TypedArray): void {
  const ctx = fastContext();
  if (!(a instanceof Float32Array) || resident.has(a) || !ctx || ctx.heap.owns(a)) return;
  while (resident.size >= MAX_RESIDENT) fastRelease(resident.keys().next().value!);
  try {
    const at = ctx.heap.alloc(a.length * 4);
    ctx.arena.f32.set(a, at >> 2);
    resident.set(a, at);
  } catch (err) {
    if (!(err instanceof WasmMemoryFull)) throw err; // over the memory limit: calls copy as before
  }
}

/** Stop keeping `a` in wasm memory. */
export function fastRelease(a: TypedArray): void {
  const at = resident.get(a);
  if (at === undefined) return;
  resident.delete(a);
  fastContext()!.heap.free(at);
}

/** The byte offset where `a` is resident, or null. */
export function residentOffset(a: TypedArray): number | null {
  return resident.get(a) ?? null;
}
