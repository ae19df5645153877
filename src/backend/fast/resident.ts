/**
 * Operands that stay in WebAssembly memory between kernel calls. An op that will pass the same
 * array to many calls and promises never to change its contents (nn.RNN's snapshot of W_hh, read
 * by two GEMMs at every step) retains it: it is copied in once, pinned below the arena's per-call
 * region, and matmul reads it there instead of copying it in again. At most MAX_RESIDENT arrays
 * are held; retaining another drops the oldest.
 */
import type { TypedArray } from "../../dtype.js";
import { fastContext } from "./context.js";

const MAX_RESIDENT = 2;
const resident = new Map<TypedArray, number>();

function repin(keep: TypedArray[]): void {
  const ctx = fastContext()!;
  ctx.arena.unpinAll();
  resident.clear();
  for (const a of keep) resident.set(a, ctx.arena.pin(a as Float32Array));
}

/** Keep `a` (float32, contents fixed from now on) in wasm memory for later calls. */
export function fastRetain(a: TypedArray): void {
  if (!(a instanceof Float32Array) || resident.has(a) || !fastContext()) return;
  const kept = [...resident.keys()].slice(-(MAX_RESIDENT - 1));
  try {
    repin([...kept, a]);
  } catch {
    repin([]); // over the memory limit: nothing stays resident, calls copy as before
  }
}

/** Stop keeping `a` in wasm memory. */
export function fastRelease(a: TypedArray): void {
  if (!resident.has(a)) return;
  resident.delete(a);
  repin([...resident.keys()]);
}

/** The byte offset where `a` is resident, or null. */
export function residentOffset(a: TypedArray): number | null {
  return resident.get(a) ?? null;
}
