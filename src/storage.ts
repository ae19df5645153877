/**
 * Where a tensor's numbers live. By default in an ordinary JavaScript typed array ("js"); the fast
 * backend registers a provider whose arrays are views onto the WebAssembly memory its kernels run
 * on ("wasm"), so a kernel reads and writes them in place instead of copying them in and out. Only
 * storage whose end fundl knows is put there — intermediate gradients, which `backward()` gives back
 * as soon as their op's backward has read them, and buffers private to an op's backward, given
 * back when the graph is freed — with a FinalizationRegistry as the backstop for what is dropped
 * without being given back. A GPU storage would be another provider and another location.
 *
 * A "wasm" view stays valid for the life of the process (growing a shared WebAssembly memory never
 * detaches it), but its numbers belong to whoever holds the storage: once given back, the block is
 * reused.
 */
import type { TypedArray } from "./dtype.js";

/** Where a tensor's numbers live: a JavaScript typed array, or the WebAssembly memory of the fast kernels. */
export type StorageLocation = "js" | "wasm";

/** Supplies storage in memory that kernels use in place (the fast backend's WebAssembly heap). */
export interface StorageProvider {
  /** The location its arrays report. */
  readonly location: StorageLocation;
  /** A float32 array of `n` elements with arbitrary contents, or null when it has no room. */
  take(n: number): Float32Array | null;
  /** Take back an array `take` returned (ignored for any other array, or one already given back). */
  give(a: TypedArray | Int32Array): boolean;
  /** Whether `a` lies in this provider's memory. */
  owns(a: ArrayBufferView): boolean;
}

let provider: StorageProvider | null = null;

/** Install (or with null remove) the provider of in-place storage. */
export function setStorageProvider(p: StorageProvider | null): void {
  provider = p;
}

/** The provider of in-place storage, or null. */
export function storageProvider(): StorageProvider | null {
  return provider;
}

/** Where the numbers of `a` live. */
export function locationOf(a: ArrayBufferView): StorageLocation {
  return provider !== null && provider.owns(a) ? provider.location : "js";
}
