/** Element types a tensor can hold. float32 is the default; float64 is for gradient checks and definitions. */
export type DType = "float32" | "float64";
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

export function dtypeOf(a: TypedArray): DType {
  return a instanceof Float64Array ? "float64" : "float32";
}

/** Copy `src` into a fresh array of `dtype` (converting precision when they differ). */
export function convert(src: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocate(dtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}
