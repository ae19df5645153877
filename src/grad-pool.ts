/**
 * Recycled storage for intermediate gradients (and index arrays private to a backward). During `backward()` every intermediate tensor gets a
 * `.grad` that lives only until its own op's backward has read it (unless `retainGrad()` was
 * asked for); `runBackward` hands that storage back here, and the next gradient of the same size
 * and dtype takes it instead of allocating. On these machines a first touch of fresh memory costs
 * 1–10 µs per 4 KiB page, so a CNN step that made ~20 MB of fresh zeroed gradients each time spent
 * milliseconds on page faults alone; reused memory is already mapped and warm in cache.
 *
 * Only storage the framework created goes back: gradients are never aliased (`addGrad` copies a
 * gradient it adopts, `gradBuffer` makes its own), and no user code can reach an intermediate's
 * `.grad` between its creation and its release. The pool is bounded (a few arrays per size, a byte
 * cap), so a long training loop keeps a flat heap.
 */
import { allocate, uninitialized, uninitializedInt32, type DType, type TypedArray } from "./dtype.js";
import { storageProvider } from "./storage.js";

/**
 * Who gives the storage back: "recycled" — the caller (or `backward()`, for an intermediate's
 * gradient) hands it to `recycle` when nothing reads it any more, so it may live in the kernels'
 * WebAssembly memory (src/storage.ts) and be used there in place; "user" — it may end up held by
 * user code (a leaf's `.grad`), so it is an ordinary array that the garbage collector frees.
 */
export type Lifetime = "recycled" | "user";

function inPlace(dtype: DType, n: number, lifetime: Lifetime): TypedArray | null {
  if (lifetime !== "recycled" || dtype !== "float32") return null;
  return storageProvider()?.take(n) ?? null;
}

/** Arrays shorter than this are cheap to allocate; pooling them would cost more than it saves. */
const MIN_LENGTH = 4096;
/** At most this many arrays are kept per (dtype, length). */
const PER_SIZE = 4;
/** At most this many bytes are kept in all. */
const MAX_BYTES = 256 * 2 ** 20;

const free = new Map<string, Array<TypedArray | Int32Array>>();
let heldBytes = 0;

function key(dtype: DType, n: number): string {
  return dtype === "float32" ? `f${n}` : `d${n}`;
}

/** Storage for `n` values of `dtype`, all zero: a recycled array when one fits, else a new one. */
export function takeZeroed(dtype: DType, n: number, lifetime: Lifetime = "user"): TypedArray {
  const a = inPlace(dtype, n, lifetime) ?? takeRecycled(dtype, n);
  if (a === null) return allocate(dtype, n);
  a.fill(0);
  return a;
}

/** Storage for `n` values of `dtype` whose contents the caller will overwrite entirely. */
export function takeUninitialized(dtype: DType, n: number, lifetime: Lifetime = "user"): TypedArray {
  return inPlace(dtype, n, lifetime) ?? takeRecycled(dtype, n) ?? uninitialized(dtype, n);
}

function takeRecycled(dtype: DType, n: number): TypedArray | null {
  return takeFrom(key(dtype, n), n) as TypedArray | null;
}

/** `n` 32-bit integers with arbitrary contents (for index arrays a backward keeps, such as an argmax). */
export function takeInt32(n: number): Int32Array {
  return (takeFrom(`i${n}`, n) as Int32Array | null) ?? uninitializedInt32(n);
}

function takeFrom(k: string, n: number): TypedArray | Int32Array | null {
  if (n < MIN_LENGTH) return null;
  const a = free.get(k)?.pop();
  if (a === undefined) return null;
  heldBytes -= a.byteLength;
  return a;
}

/**
 * Give back storage that nothing references any more (an intermediate's gradient after its op's
 * backward ran). Arrays that are small, views into a larger buffer, or over the caps are left to
 * the garbage collector.
 */
export function recycle(a: TypedArray | Int32Array): void {
  if (storageProvider()?.give(a)) return;
  if (a.length < MIN_LENGTH || a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) return;
  if (heldBytes + a.byteLength > MAX_BYTES) return;
  const k = a instanceof Int32Array ? `i${a.length}` : a instanceof Float32Array ? key("float32", a.length) : key("float64", a.length);
  let list = free.get(k);
  if (!list) free.set(k, (list = []));
  if (list.length >= PER_SIZE || list.includes(a)) return;
  list.push(a);
  heldBytes += a.byteLength;
}

/** Bytes held for reuse now (for memory tests and reports). */
export function pooledBytes(): number {
  return heldBytes;
}
