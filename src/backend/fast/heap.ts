/**
 * The WebAssembly heap: every byte the kernels touch lives in one WebAssembly.Memory (shared with
 * the worker threads), and this allocator hands out its blocks — tensor storage, gradients, kernel
 * scratch. Blocks are 64-byte aligned and come in size classes (four per power of two, so at most
 * 25 % is wasted); a freed block goes on its class's free list and the next request of that class
 * takes it back, already mapped and warm, so a training loop that asks for the same sizes every
 * step allocates nothing new after its first step (no page faults, no growth). The memory grows on
 * demand up to its declared maximum; past that, `alloc` throws `WasmMemoryFull` naming the size
 * asked for and what is in use, and callers fall back to JavaScript arrays.
 *
 * Views: on shared memory, growing never detaches the old SharedArrayBuffer, so a typed array made
 * on the buffer of any moment stays valid for the life of the process; `owns` recognises such views
 * (their buffer is one this memory handed out), and a kernel reads them in place at their byteOffset.
 */
import type { WasmRuntime } from "./wasm.js";

/** Thrown when the WebAssembly memory cannot hold a request (callers fall back to JavaScript arrays). */
export class WasmMemoryFull extends Error {
  override name = "WasmMemoryFull";
}

/** Bytes below this offset are left alone (AssemblyScript's statics live at the bottom). */
export const HEAP_BASE = 64 * 1024;
const PAGE = 64 * 1024;
const ALIGN = 64;

/** The size class of a request: the smallest of 2^k·{1, 1.25, 1.5, 1.75} (64-byte multiples) that holds it. */
export function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (b <= 4 * ALIGN) return b;
  const top = 2 ** Math.floor(Math.log2(b));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = top * f;
    if (c >= b) return c;
  }
  return 2 * top;
}

/** What the heap holds, for reports and errors. */
export interface HeapStats {
  /** Bytes in live blocks (their size classes). */
  inUse: number;
  /** Live blocks. */
  blocks: number;
  /** Bytes in freed blocks kept on the free lists for reuse. */
  free: number;
  /** Bytes of WebAssembly memory (the heap's end may lie below it). */
  memory: number;
  /** The most the memory may grow to, in bytes. */
  limit: number;
}

export class WasmHeap {
  /** End of the carved region: blocks lie in [HEAP_BASE, top). */
  private top = HEAP_BASE;
  /** Free blocks by size class. */
  private readonly freeLists = new Map<number, number[]>();
  /** Size class of every live block, by offset. */
  private readonly live = new Map<number, number>();
  private inUseBytes = 0;
  private freeBytes = 0;
  /** Every SharedArrayBuffer (or ArrayBuffer) this memory has handed out: views on them are ours. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private current: ArrayBufferLike;

  constructor(private readonly rt: WasmRuntime, private readonly limitBytes: number) {
    this.current = rt.memory.buffer;
    this.buffers.add(this.current);
  }

  /** The memory's buffer now (after any growth). */
  get buffer(): ArrayBufferLike {
    const b = this.rt.memory.buffer;
    if (b !== this.current) {
      this.current = b;
      this.buffers.add(b);
    }
    return b;
  }

  /** Whether `a` is a view onto this memory (so a kernel can read and write it in place at a.byteOffset). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** A block of at least `bytes` bytes; returns its byte offset. Throws WasmMemoryFull past the limit. */
  alloc(bytes: number): number {
    const cls = sizeClass(bytes);
    const list = this.freeLists.get(cls);
    let at = list?.pop();
    if (at !== undefined) {
      this.freeBytes -= cls;
    } else {
      at = this.top;
      this.ensure(at + cls, bytes);
      this.top = at + cls;
    }
    this.live.set(at, cls);
    this.inUseBytes += cls;
    return at;
  }

  /** Give back the block at `offset` (from `alloc`); a second free of the same block is an error. */
  free(offset: number): void {
    const cls = this.live.get(offset);
    if (cls === undefined) throw new Error(`fundl: WasmHeap.free(${offset}): no live block there (freed twice?)`);
    this.live.delete(offset);
    this.inUseBytes -= cls;
    if (offset + cls === this.top) {
      this.top = offset; // the topmost block goes back to the carvable region
    } else {
      let list = this.freeLists.get(cls);
      if (!list) this.freeLists.set(cls, (list = []));
      list.push(offset);
      this.freeBytes += cls;
    }
  }

  /** Whether `offset` is the start of a live block. */
  isLive(offset: number): boolean {
    return this.live.has(offset);
  }

  /** Bytes usable in the block at `offset` (its size class). */
  blockBytes(offset: number): number {
    return this.live.get(offset) ?? 0;
  }

  stats(): HeapStats {
    return { inUse: this.inUseBytes, blocks: this.live.size, free: this.freeBytes, memory: this.rt.memory.buffer.byteLength, limit: this.limitBytes };
  }

  /** Float32 view of `n` elements at byte offset `at` (valid for the life of the process on shared memory). */
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.buffer, at, n);
  }

  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.buffer, at, n);
  }

  private ensure(end: number, asked: number): void {
    const have = this.rt.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.limitBytes) this.full(asked);
    // grow by at least a quarter of what we have, so a slowly rising need does not grow every call
    const need = Math.ceil((end - have) / PAGE);
    const most = Math.floor((this.limitBytes - have) / PAGE);
    try {
      this.rt.memory.grow(Math.min(most, Math.max(need, Math.ceil(have / PAGE / 4))));
    } catch {
      try {
        this.rt.memory.grow(need);
      } catch {
        this.full(asked);
      }
    }
    void this.buffer; // record the grown buffer
  }

  private full(asked: number): never {
    const s = this.stats();
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    // the free lists may hold enough in other size classes; give them back to the carvable region next time
    throw new WasmMemoryFull(
      `fundl: WebAssembly memory is full: asked for ${mib(asked)}; ${mib(s.inUse)} in use in ${s.blocks} blocks, ${mib(s.free)} free in size classes that do not fit, limit ${mib(s.limit)}`,
    );
  }
}
