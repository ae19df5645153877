/**
 * The fast backend's storage provider (see src/storage.ts): float32 arrays that are views onto the
 * WebAssembly heap, so kernels use them in place. Only on shared memory (there a view is never
 * detached by growth). Every array handed out is registered with a FinalizationRegistry, the
 * backstop for an array dropped without being given back; `give` frees the block at once.
 */
import type { TypedArray } from "../../dtype.js";
import type { StorageProvider } from "../../storage.js";
import { WasmMemoryFull, type WasmHeap } from "./heap.js";

/** Arrays below this many elements stay in JavaScript (a kernel copies them in at little cost). */
const MIN_ELEMENTS = 1024;

export class WasmStorage implements StorageProvider {
  readonly location = "wasm" as const;
  /** Arrays handed out and not yet given back, with their block's offset. */
  private readonly out = new WeakMap<object, number>();
  private readonly backstop = new FinalizationRegistry<number>((at) => {
    if (this.heap.isLive(at)) this.heap.free(at);
  });
  /** Why the last `take` found no room (the first time is reported on the console). */
  private lastFull: string | null = null;

  constructor(private readonly heap: WasmHeap) {}

  take(n: number): Float32Array | null {
    if (n < MIN_ELEMENTS) return null;
    let at: number;
    try {
      at = this.heap.alloc(n * 4);
    } catch (err) {
      if (!(err instanceof WasmMemoryFull)) throw err;
      // the caller falls back to a JavaScript array (nothing is lost); say so once, with the sizes
      if (this.lastFull === null) console.warn(`${err.message}; storage that would live there goes to JavaScript arrays instead (kernels copy it in and out)`);
      this.lastFull = err.message;
      return null;
    }
    const a = this.heap.f32(at, n);
    this.out.set(a, at);
    this.backstop.register(a, at, a);
    return a;
  }

  give(a: TypedArray | Int32Array): boolean {
    const at = this.out.get(a);
    if (at === undefined) return false;
    this.out.delete(a);
    this.backstop.unregister(a);
    this.heap.free(at);
    return true;
  }

  owns(a: ArrayBufferView): boolean {
    return this.heap.owns(a);
  }
}
