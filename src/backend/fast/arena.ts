/**
 * Memory for one kernel call, carved from the WebAssembly heap: `reset` at the start of a call,
 * `alloc` regions (64-byte aligned) for scratch, and `input`/`output` for the call's operands. An
 * operand that already lives in WebAssembly memory (a tensor whose storage the heap handed out) is
 * used in place at its byteOffset; any other array is copied in, and an output copied back by
 * `finish`. The arena keeps one block of the heap sized to the largest call seen, so a long
 * training loop allocates nothing new here.
 */
import { WasmMemoryFull, type WasmHeap } from "./heap.js";
import type { WasmRuntime } from "./wasm.js";

/** Thrown when a call needs more than the kernel module's memory limit (callers fall back to the reference). */
export class ArenaFull extends Error {}

export class Arena {
  /** The block regions are carved from, and its end. */
  private block = 0;
  private blockEnd = 0;
  /** Extra blocks taken during this call when `block` ran out (merged into one at the next reset). */
  private extra: number[] = [];
  private top = 0;
  /** Bytes the largest call so far needed. */
  private highWater = 0;
  private used = 0;
  /** Outputs to copy back to JavaScript arrays in `finish`: [offset, destination]. */
  private pending: Array<[number, Float32Array | Int32Array]> = [];
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(private readonly rt: WasmRuntime, readonly heap: WasmHeap) {
    this.f32View = new Float32Array(rt.memory.buffer);
    this.i32View = new Int32Array(rt.memory.buffer);
  }

  /** Start a call: every region of the previous call is forgotten (its outputs must have been finished). */
  reset(): void {
    this.pending.length = 0;
    if (this.extra.length > 0) {
      // the last call outgrew the block: take one block for the whole high-water mark
      for (const b of this.extra) this.heap.free(b);
      this.extra = [];
      if (this.block !== 0) this.heap.free(this.block);
      this.block = 0;
      this.blockEnd = 0;
    }
    this.top = this.block;
    this.used = 0;
  }

  /** A fresh region of `bytes` bytes for this call; returns its byte offset. */
  alloc(bytes: number): number {
    const size = Math.ceil(Math.max(bytes, 1) / 64) * 64;
    this.used += size;
    this.highWater = Math.max(this.highWater, this.used);
    if (this.block !== 0 && this.top + size <= this.blockEnd) {
      const at = this.top;
      this.top += size;
      return at;
    }
    try {
      if (this.block === 0) {
        this.block = this.heap.alloc(Math.max(this.highWater, size, 1 << 20));
        this.blockEnd = this.block + this.heap.blockBytes(this.block);
        this.top = this.block + size;
        return this.block;
      }
      const b = this.heap.alloc(Math.max(size, this.blockEnd - this.block));
      this.extra.push(b);
      this.top = b + size;
      this.blockEnd = b + this.heap.blockBytes(b);
      return b;
    } catch (err) {
      if (err instanceof WasmMemoryFull) throw new ArenaFull(err.message);
      throw err;
    }
  }

  /** Allocate room for `src` and copy it in; returns the byte offset. */
  put(src: Float32Array): number {
    const at = this.alloc(src.length * 4);
    this.f32.set(src, at >> 2);
    return at;
  }

  /** The offset of `a` for a kernel to read: in place when it lives in WebAssembly memory, else a copy. */
  input(a: Float32Array | Int32Array): number {
    if (this.heap.owns(a)) return a.byteOffset;
    if (a instanceof Float32Array) return this.put(a);
    const at = this.alloc(a.length * 4);
    this.i32.set(a, at >> 2);
    return at;
  }

  /**
   * One kernel call: `reset`, then `body` lays out its operands and runs the kernel, then `finish`
   * copies its outputs back. False (nothing written to the caller's arrays) when the memory cannot
   * hold the call, so the caller falls back to its JavaScript kernel.
   */
  run(body: () => void): boolean {
    try {
      this.reset();
      body();
      this.finish();
      return true;
    } catch (err) {
      if (err instanceof ArenaFull) return false;
      throw err;
    }
  }

  /**
   * The offset of `a` for a kernel to write: in place when it lives in WebAssembly memory, else a
   * region that `finish` copies back (with `a`'s values copied in first when `readsOld`, for kernels
   * that add into their output).
   */
  output(a: Float32Array | Int32Array, readsOld = false): number {
    if (this.heap.owns(a)) return a.byteOffset;
    const at = readsOld && a instanceof Float32Array ? this.put(a) : this.alloc(a.length * 4);
    if (readsOld && a instanceof Int32Array) this.i32.set(a, at >> 2);
    this.pending.push([at, a]);
    return at;
  }

  /** Copy every `output` that is not in WebAssembly memory back to its array. */
  finish(): void {
    for (const [at, dst] of this.pending) {
      if (dst instanceof Float32Array) this.get(at, dst);
      else this.getInt32(at, dst);
    }
    this.pending.length = 0;
  }

  /** Copy `dst.length` floats from byte offset `at` into `dst`. */
  get(at: number, dst: Float32Array): void {
    dst.set(this.f32.subarray(at >> 2, (at >> 2) + dst.length));
  }

  /** Copy `dst.length` 32-bit integers from byte offset `at` into `dst`. */
  getInt32(at: number, dst: Int32Array): void {
    dst.set(this.i32.subarray(at >> 2, (at >> 2) + dst.length));
  }

  /** Bytes of WebAssembly memory in use by the process (grows to a high-water mark, then stays). */
  get capacity(): number {
    return this.rt.memory.buffer.byteLength;
  }

  get f32(): Float32Array {
    if (this.f32View.buffer.byteLength !== this.rt.memory.buffer.byteLength) this.refresh();
    return this.f32View;
  }

  get i32(): Int32Array {
    if (this.i32View.buffer.byteLength !== this.rt.memory.buffer.byteLength) this.refresh();
    return this.i32View;
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.rt.memory.buffer);
    this.i32View = new Int32Array(this.rt.memory.buffer);
  }
}
