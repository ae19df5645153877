/**
 * Fast ReLU. Large float32 arrays run in WebAssembly SIMD (a lane max, and a bit mask for the
 * gradient; measured ~1.5–2× faster than the loops below, copies in and out included). The rest
 * runs branch-free loops: on real activations about half the inputs are negative at random, so
 * `x > 0 ? x : 0` mispredicts a branch per element (~3× slower than these). The rare cases the
 * arithmetic gets wrong (−∞ inputs; infinite or NaN gradients where x ≤ 0) are repaired behind a
 * branch that is almost never taken. Same answers as the definitions, except that a −0 in gx may
 * become +0.
 */
import type { TypedArray } from "../../dtype.js";
import { fastContext } from "./context.js";

/** Below this many elements the copies into wasm memory cost more than they save. */
const MIN_WASM = 16384;

/** Run `call` on wasm copies of the arrays (outputs copied back); false when wasm cannot take them. */
function inWasm(inputs: Float32Array[], output: Float32Array, outputIsInput: boolean, call: (ptrs: number[], n: number) => void): boolean {
  const ctx = fastContext();
  if (!ctx) return false;
  const { arena } = ctx;
  return arena.run(() => {
    const ptrs = inputs.map((a, i) => (outputIsInput && i === inputs.length - 1 ? arena.output(a, true) : arena.input(a)));
    if (!outputIsInput) ptrs.push(arena.output(output));
    call(ptrs, output.length);
  });
}

export function fastReluForward(x: TypedArray, y: TypedArray): void {
  // y[i] = max(x[i], 0)
  if (x.length >= MIN_WASM && x instanceof Float32Array && y instanceof Float32Array) {
    if (inWasm([x], y, false, ([px, py], n) => fastContext()!.rt.exports.reluForward(px!, py!, n))) return;
  }
  reluForwardLoop(x, y);
}

export function fastReluBackward(x: TypedArray, gy: TypedArray, gx: TypedArray, accumulate = true): void {
  // x.grad[i] (+)= y.grad[i] · 1[x[i] > 0]   (overwriting needs no copy of gx into wasm)
  if (x.length >= MIN_WASM && x instanceof Float32Array && gy instanceof Float32Array && gx instanceof Float32Array) {
    const inputs = accumulate ? [x, gy, gx] : [x, gy];
    if (inWasm(inputs, gx, accumulate, ([px, pg, pgx], n) => fastContext()!.rt.exports.reluBackward(px!, pg!, pgx!, n, accumulate ? 1 : 0))) return;
  }
  if (!accumulate) gx.fill(0, 0, x.length);
  reluBackwardLoop(x, gy, gx);
}

function reluForwardLoop(x: TypedArray, y: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // y[i] = max(x[i], 0) = (x + |x|) / 2, exact for finite x; NaN stays NaN
    const v = x[i]!;
    let r = (v + Math.abs(v)) * 0.5;
    if (r !== r && v === -Infinity) r = 0;
    y[i] = r;
  }
}

function reluBackwardLoop(x: TypedArray, gy: TypedArray, gx: TypedArray): void {
  for (let i = 0; i < x.length; i++) {
    // x.grad[i] += y.grad[i] · 1[x[i] > 0]
    const on = +(x[i]! > 0);
    let t = gy[i]! * on;
    if (t !== t) t = on ? gy[i]! : 0; // ∞·0 or NaN·0 where x ≤ 0 adds nothing
    gx[i] = gx[i]! + t;
  }
}
