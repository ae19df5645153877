/** Element types a tensor can hold. float32 is the default; float64 is for gradient checks and definitions. */
export type DType = "float32" | "float64";
/** The typed arrays that hold a tensor's elements: Float32Array for float32, Float64Array for float64. */
export type TypedArray = Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ["float32", "float64"];

export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64";
}

export function checkDType(x: unknown, where: string): DType {
  if (!isDType(x)) {
    throw new TypeError(`${where}: unknown dtype ${JSON.stringify(x)}; expected "float32" or "float64"`);
  }
  return x;
}

/** A zero-filled array of `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TypedArray {
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

/** Node's Buffer, where there is one (its allocUnsafeSlow makes an ArrayBuffer without zero-filling it). */
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;
/** Below this many bytes zero-filling costs next to nothing. */
const UNINITIALIZED_MIN_BYTES = 1 << 16;

function unfilledBuffer(bytes: number): ArrayBuffer | null {
  if (nodeBuffer === undefined || bytes < UNINITIALIZED_MIN_BYTES) return null;
  const b = nodeBuffer.allocUnsafeSlow(bytes);
  return b.byteOffset === 0 && b.buffer.byteLength === bytes ? (b.buffer as ArrayBuffer) : null;
}

/**
 * `n` elements of `dtype` with arbitrary contents, for outputs that the caller writes in full before
 * anything reads them (torch.empty). Under Node large arrays skip the zero-fill that `allocate`
 * pays (~0.1 ms per MB); elsewhere, and for small arrays, this is `allocate`.
 */
export function uninitialized(dtype: DType, n: number): TypedArray {
  const buf = unfilledBuffer(n * (dtype === "float64" ? 8 : 4));
  if (buf === null) return allocate(dtype, n);
  return dtype === "float64" ? new Float64Array(buf) : new Float32Array(buf);
}

/** `n` 32-bit integers with arbitrary contents that the caller writes in full (see `uninitialized`). */
export function uninitializedInt32(n: number): Int32Array {
  const buf = unfilledBuffer(n * 4);
  return buf === null ? new Int32Array(n) : new Int32Array(buf);
}

export function dtypeOf(a: TypedArray): DType {
  return a instanceof Float64Array ? "float64" : "float32";
}

/** Copy `src` into a fresh array of `dtype` (converting precision when they differ). */
export function convert(src: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}
