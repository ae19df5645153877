// Finiteness of a float32 array, as src/finite.ts's `firstNonFinite` answers it: the first index of
// a NaN or ±Inf, or −1. Four lanes at a time: a value is non-finite exactly when its exponent bits
// are all ones, so one integer compare per lane decides it, and the lanes' verdicts are OR-ed until
// the end; only an array with a non-finite value is scanned again for the first one.

const EXPONENT: i32 = 0x7f800000;

@inline function nonFinite(bits: i32): bool {
  return (bits & EXPONENT) == EXPONENT;
}

/** The first i < n with x[i] NaN or ±Inf (exponent bits all ones), or −1. */
export function firstNonFinite(x: usize, n: i32): i32 {
  const mask = i32x4.splat(EXPONENT);
  let any = i32x4.splat(0);
  let i = 0;
  // any |= (x[i..i+16) & EXPONENT) == EXPONENT, sixteen values a step
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const a = i32x4.eq(v128.and(v128.load(p), mask), mask);
    const b = i32x4.eq(v128.and(v128.load(p, 16), mask), mask);
    const c = i32x4.eq(v128.and(v128.load(p, 32), mask), mask);
    const d = i32x4.eq(v128.and(v128.load(p, 48), mask), mask);
    any = v128.or(any, v128.or(v128.or(a, b), v128.or(c, d)));
  }
  let found = v128.any_true(any);
  for (let k = i; k < n && !found; k++) found = nonFinite(load<i32>(x + (<usize>k << 2)));
  if (!found) return -1;
  for (let k = 0; k < n; k++) if (nonFinite(load<i32>(x + (<usize>k << 2)))) return k;
  return -1;
}
