/**
 * Inverted dropout: in training each element is kept with probability 1−p and scaled by 1/(1−p),
 * so the expected value is unchanged; in evaluation it is the identity.
 *   y[i] = m[i] · x[i] / (1−p),  m[i] ~ Bernoulli(1−p)      x.grad[i] += y.grad[i] · m[i] / (1−p)
 */
import { gradBuffer, runOp } from "../autograd.js";
import { countWork } from "../profile.js";
import { generatorFor, type Generator } from "../random.js";
import { Tensor } from "../tensor.js";
import { checkTensor, empty, outputArray } from "./util.js";

/** Options of `dropout`: training flag, and the seed or generator of the mask. */
export interface DropoutOptions {
  /** Apply the mask (default true); false returns x unchanged. */
  training?: boolean;
  /** Seed for the mask (a fresh generator), or a generator to draw from; default the global one. */
  seed?: number;
  generator?: Generator;
}

/**
 * Zero each element with probability p and scale the rest by 1/(1 − p) (inverted dropout); identity when not
 * training or p = 0.
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  checkTensor("dropout", x);
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be a probability in [0, 1], got ${p}`);
  if (options.training === false || p === 0) return x;
  const gen = options.generator ?? generatorFor(options.seed);
  const n = x.size;
  return runOp("dropout", [x], () => {
    // scale[i] = m[i] / (1−p): 0 for a dropped element (every element when p = 1)
    const keep = 1 - p;
    const scale = empty(x.dtype, n);
    const inv = p === 1 ? 0 : 1 / keep;
    for (let i = 0; i < n; i++) scale[i] = gen.random() < keep ? inv : 0;
    const y = outputArray(x.dtype, n); // every element written below
    const xd = x.data;
    // y[i] = x[i] · m[i] / (1−p)
    for (let i = 0; i < n; i++) y[i] = xd[i]! * scale[i]!;
    return {
      out: new Tensor(y, x.shape),
      multiplies: n,
      backward: (out) => {
        const gy = out.grad!.data;
        const gx = gradBuffer(x);
        // x.grad[i] += y.grad[i] · m[i] / (1−p)
        for (let i = 0; i < n; i++) gx[i] = gx[i]! + gy[i]! * scale[i]!;
        countWork(n, n);
      },
    };
  });
}
