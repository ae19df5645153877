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
import { uninitialized, type DType, type TypedArray } from "./dtype.js";

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

// ---------------------------------------------------------------------------------------------
// Graph-owned outputs
// ---------------------------------------------------------------------------------------------

/**
 * An op output whose storage the graph owns: made inside `graphOwnedOutputs` (an nn.Sequential
 * handing one built-in layer's output only to the next built-in layer), so no user code can reach
 * it, and given back when `backward()` frees the last node that uses it (the op that made it, and
 * ops in the same scope whose output is the same array: reshape, flatten). `escaped` is set when
 * the array reaches user code (as the output of an op outside the scope, or of the Sequential);
 * then only the garbage collector frees it. Ops in the scope never view an owned array through a
 * subarray (fundl's leaf layers do not), so the array object itself identifies the storage.
 */
export interface OwnedStorage {
  readonly data: TypedArray;
  refs: number;
  escaped: boolean;
}

/** Graph-owned storage may hold at most this many bytes (a graph never run backward keeps its storage until the GC). */
const OWNED_CAP_BYTES = 256 * 2 ** 20;

let scopeDepth = 0;
let opDepth = 0;
/** Whether the outermost op now running will be recorded in a graph (only then can the graph own its output). */
let recording = false;
let ownedBytes = 0;
/** The array `outputStorage` handed out during the current outermost op, not yet claimed. */
let fresh: TypedArray | null = null;
/** Graph-owned storage by its array (weak: a dropped graph never run backward takes its storage with it). */
const ownedBy = new WeakMap<TypedArray, OwnedStorage>();
/** Takes a collected graph's storage off the books (the provider frees the block itself). */
const gone = new FinalizationRegistry<number>((bytes) => {
  ownedBytes -= bytes;
});

/** Run `fn` with the outputs of the ops it runs owned by the graph (see OwnedStorage). */
export function graphOwnedOutputs<T>(fn: () => T): T {
  scopeDepth++;
  try {
    return fn();
  } finally {
    scopeDepth--;
  }
}

/**
 * runOp brackets each op's forward with these, so that only an outermost op's output is
 * graph-owned, and only when the op will be recorded (`record`: grad on and an input needs grad).
 */
export function enterOp(record: boolean): void {
  if (++opDepth === 1) recording = record;
}
export function leaveOp(): void {
  opDepth--;
}

/**
 * Storage for an op's output (call it once per op, for the output only): inside
 * `graphOwnedOutputs`, a block of the provider's memory; otherwise an ordinary array with
 * arbitrary contents (`uninitialized`), which the op writes in full.
 */
export function outputStorage(dtype: DType, n: number): TypedArray {
  if (scopeDepth > 0 && opDepth === 1 && recording && dtype === "float32" && provider !== null && ownedBytes + n * 4 <= OWNED_CAP_BYTES) {
    const a = provider.take(n);
    if (a !== null) {
      fresh = a;
      return a;
    }
  }
  return uninitialized(dtype, n);
}

/**
 * After an outermost op's forward: the graph-owned storage its output holds — fresh storage made
 * for it, or the storage of an earlier graph-owned output it shares (one more reference) — or
 * null. Sharing it outside the scope marks it escaped.
 */
export function claimOutput(out: TypedArray, recorded: boolean): OwnedStorage | null {
  if (opDepth > 0) return null; // an op inside another op's forward: its output is the outer op's business
  const made = fresh;
  fresh = null;
  if (made !== null && made === out && recorded) {
    const s: OwnedStorage = { data: made, refs: 1, escaped: false };
    ownedBy.set(made, s);
    ownedBytes += made.byteLength;
    gone.register(s, made.byteLength, s);
    return s;
  }
  // storage taken but not returned as the output (an op that misused outputStorage) is left to the GC
  const s = ownedBy.get(out);
  if (s === undefined) return null;
  if (scopeDepth > 0 && recorded) {
    s.refs++;
    return s;
  }
  s.escaped = true;
  return null;
}

/** `a` reaches user code (the output of an nn.Sequential): if the graph owns it, it is never given back. */
export function markEscaped(a: TypedArray): void {
  const s = ownedBy.get(a);
  if (s !== undefined) s.escaped = true;
}

/** A node that held `s` is freed: give the storage back when no node holds it and it never escaped. */
export function releaseOwned(s: OwnedStorage): void {
  if (--s.refs > 0) return;
  ownedBy.delete(s.data);
  ownedBytes -= s.data.byteLength;
  gone.unregister(s);
  if (!s.escaped) provider?.give(s.data);
}
