/**
 * Memory for one kernel call, carved from the shared WebAssembly memory: `reset` at the start of a
 * call, `alloc` regions (64-byte aligned), copy data in and out. The memory only grows to the
 * largest call seen and is then reused, so a long training loop allocates nothing new here.
 */
import type { WasmRuntime } from "./wasm.js";

/** Thrown when a call needs more than the kernel module's memory limit (callers fall back to the reference). */
export class ArenaFull extends Error {}

/** Bytes below this offset are left alone (AssemblyScript's statics live at the bottom). */
const BASE = 64 * 1024;
const PAGE = 64 * 1024;

export class Arena {
  private top = BASE;
  /** Where `reset` starts: above the regions pinned for operands that stay resident between calls. */
  private floor = BASE;
  private f32View: Float32Array;
  private i32View: Int32Array;

  constructor(private readonly rt: WasmRuntime) {
    this.f32View = new Float32Array(rt.memory.buffer);
    this.i32View = new Int32Array(rt.memory.buffer);
  }

  reset(): void {
    this.top = this.floor;
  }

  /**
   * Copy `src` into a region that `reset` leaves alone (for an operand whose contents will not change
   * and that many calls read); returns its byte offset. Only between kernel calls.
   */
  pin(src: Float32Array): number {
    const at = this.floor;
    this.floor = Math.ceil((at + src.length * 4) / 64) * 64;
    this.ensure(this.floor);
    this.f32.set(src, at >> 2);
    this.top = this.floor;
    return at;
  }

  /** Forget every pinned region (their memory goes back to per-call use). */
  unpinAll(): void {
    this.floor = BASE;
    this.top = BASE;
  }

  /** A fresh region of `bytes` bytes; returns its byte offset. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = Math.ceil((at + bytes) / 64) * 64;
    this.ensure(this.top);
    return at;
  }

  /** Allocate room for `src` and copy it in; returns the byte offset. */
  put(src: Float32Array): number {
    const at = this.alloc(src.length * 4);
    this.f32.set(src, at >> 2);
    return at;
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

  private ensure(end: number): void {
    const have = this.rt.memory.buffer.byteLength;
    if (end <= have) return;
    // grow by at least a quarter of what we have, so a slowly rising need does not grow every call
    const need = Math.ceil((end - have) / PAGE);
    try {
      this.rt.memory.grow(Math.max(need, Math.ceil(have / PAGE / 4)));
    } catch {
      try {
        this.rt.memory.grow(need); // near the limit: grow by exactly what is needed
      } catch {
        throw new ArenaFull(`fundl: a kernel call needs ${Math.ceil(end / 2 ** 20)} MiB of WebAssembly memory, over its limit`);
      }
    }
  }
}
